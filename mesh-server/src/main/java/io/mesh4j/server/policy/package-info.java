/**
 * The route rule a served request follows: the registry's route config for this service, laid over the route's
 * policy annotations. The RATE_LIMIT, CONCURRENCY, FAULTS and DEADLINE layers read it per request.
 */
@NullMarked
package io.mesh4j.server.policy;

import org.jspecify.annotations.NullMarked;
