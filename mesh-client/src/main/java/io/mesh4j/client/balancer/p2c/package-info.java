/**
 * Power of two choices over peak-EWMA latency times in-flight requests: the default balancer.
 */
@NullMarked
package io.mesh4j.client.balancer.p2c;

import org.jspecify.annotations.NullMarked;
