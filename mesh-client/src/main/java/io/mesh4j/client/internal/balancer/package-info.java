/**
 * Wiring of the balancers into Armeria's endpoint groups (zone awareness, passing over endpoints whose breaker has no trial call to spare), and the least-connections pick of long-lived connections.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.client.internal.balancer;

import org.jspecify.annotations.NullMarked;
