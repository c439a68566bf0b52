/**
 * Power of two choices over peak-EWMA latency times in-flight requests: the default balancer.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.client.internal.balancer.p2c;

import org.jspecify.annotations.NullMarked;
