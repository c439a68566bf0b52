/**
 * The route rule a served request follows: the registry's route config for this service, laid over the route's
 * policy annotations. The RATE_LIMIT, CONCURRENCY, FAULTS and DEADLINE layers read it per request.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.server.internal.policy;

import org.jspecify.annotations.NullMarked;
