/**
 * Power of two choices over peak-EWMA latency times in-flight requests: the default balancer.
 *
 * <p>What one bad episode may cost an endpoint is bounded, so that a healthy endpoint is back to its share within
 * seconds of answering again: a failed attempt (refused, reset, timed out) counts as a 1 s penalty fading with a
 * 500 ms constant, not as latency; a late answer (a stall's, such as a frozen process gives when it resumes) that
 * raises the latency estimate 2&times; or more is believed at once but undone by the first answer to an attempt
 * sent after it that is under half of it; and an endpoint nobody picks because of such a jump is probed once a
 * second until that answer comes. A slow endpoint stays avoided: its answers after the jump confirm it. See
 * {@code EndpointLoad}.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.client.internal.balancer.p2c;

import org.jspecify.annotations.NullMarked;
