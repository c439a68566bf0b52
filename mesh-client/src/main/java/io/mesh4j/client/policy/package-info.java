/**
 * The values the outbound layers read per request (timeouts, retries, breakers), per service, replaceable while running.
 */
@NullMarked
package io.mesh4j.client.policy;

import org.jspecify.annotations.NullMarked;
