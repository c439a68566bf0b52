package io.mesh4j.client.internal.balancer.p2c;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the balancer knows of one endpoint's load: its requests in flight and a peak-sensitive moving average
 * of its latency (peak EWMA, as in Finagle and Linkerd).
 *
 * <p>"Peak": a sample above the average replaces it at once, so a slowing endpoint loses traffic at its first
 * slow answer; a sample below it is blended in with a weight that grows with the time since the last one.
 * Between samples the average decays toward zero, so an endpoint that stopped getting traffic because it was
 * slow is tried again after a while, and its next answer says whether it still is.
 *
 * <p>An attempt that got no answer (refused, reset, timed out) is not a latency: it says the endpoint failed, not
 * how fast it answers. Counted as one, a 10 s timeout kept a frozen instance's cost at 10 s, and the instance
 * got no traffic for a minute after it came back. A failure adds instead a fixed {@link #FAILURE_PENALTY_NANOS
 * penalty} that fades within seconds, so that the endpoint is tried again soon; and the first answer it gives
 * clears it. Keeping an endpoint that keeps failing out for longer is the breakers' job.
 */
final class EndpointLoad {

    /**
     * The load of an endpoint that has answered nothing yet but has requests in flight. Without it, an unknown
     * endpoint (cost 0) would win every comparison and take a burst of traffic before its first answer; with
     * it, it takes one request at a time until it has a cost (Finagle does the same).
     */
    static final double PENALTY = Long.MAX_VALUE >> 16;

    /**
     * What a failed attempt adds to the cost, whatever it waited: more than any answer a healthy endpoint gives,
     * so that the next picks go elsewhere, and bounded, so that a long timeout does not weigh longer than a
     * refused connection.
     */
    static final long FAILURE_PENALTY_NANOS = Duration.ofSeconds(1).toNanos();

    /**
     * How fast the failure penalty fades: to a tenth in 1.2 s, below the cost of an endpoint that answers in 5 ms
     * in under 3 s. An endpoint that still fails then costs one attempt every few seconds, which RETRY moves on.
     */
    static final long FAILURE_PENALTY_DECAY_NANOS = Duration.ofMillis(500).toNanos();

    private final long decayNanos;
    private final AtomicInteger inFlight = new AtomicInteger();

    // Guarded by this.
    private double costNanos;
    private long stampNanos;
    private double penaltyNanos;
    private long penaltyStampNanos;

    EndpointLoad(long decayNanos, long nowNanos) {
        this.decayNanos = decayNanos;
        stampNanos = nowNanos;
    }

    void start() {
        inFlight.incrementAndGet();
    }

    /** An attempt that was answered, after {@code rttNanos}. */
    void end(long rttNanos, long nowNanos) {
        inFlight.decrementAndGet();
        observe(rttNanos, nowNanos);
    }

    /** An attempt that got no answer. */
    void fail(long nowNanos) {
        inFlight.decrementAndGet();
        penalize(nowNanos);
    }

    synchronized void observe(long rttNanos, long nowNanos) {
        final double weight = Math.exp(-(double) Math.max(0, nowNanos - stampNanos) / decayNanos);
        if (rttNanos > costNanos * weight) {
            costNanos = rttNanos;
        } else {
            costNanos = costNanos * weight + rttNanos * (1 - weight);
        }
        stampNanos = nowNanos;
        // It answers: what its failures said no longer holds.
        penaltyNanos = 0;
    }

    synchronized void penalize(long nowNanos) {
        penaltyNanos = FAILURE_PENALTY_NANOS;
        penaltyStampNanos = nowNanos;
    }

    /**
     * The load to compare: cost (latency and failure penalty) times (in-flight + 1).
     */
    double load(long nowNanos) {
        return load(nowNanos, 1);
    }

    /**
     * The load to compare with an endpoint of another weight: cost times (in-flight / {@code weight} + 1), where
     * {@code weight} is this endpoint's weight relative to the other's. An endpoint of twice the weight is as loaded
     * as the other with twice its requests in flight, so that two equally fast endpoints weigh the same when each
     * carries its share. The cost is not divided: it is how fast the endpoint answers, which its weight does not
     * change, and dividing it would make the heavier endpoint win every pick while calls do not overlap.
     */
    double load(long nowNanos, double weight) {
        final int pending = inFlight.get();
        final double cost;
        synchronized (this) {
            cost = decayedCost(nowNanos) + decayedPenalty(nowNanos);
        }
        if (cost == 0 && pending > 0) {
            return PENALTY + pending;
        }
        return cost * (pending / weight + 1);
    }

    int inFlight() {
        return inFlight.get();
    }

    /** How long since the last sample. */
    synchronized long idleNanos(long nowNanos) {
        return nowNanos - stampNanos;
    }

    /** The latency part of the cost. */
    synchronized double costNanos(long nowNanos) {
        return decayedCost(nowNanos);
    }

    /** The failure part of the cost. */
    synchronized double penaltyNanos(long nowNanos) {
        return decayedPenalty(nowNanos);
    }

    private double decayedCost(long nowNanos) {
        final long elapsed = Math.max(0, nowNanos - stampNanos);
        return costNanos * Math.exp(-(double) elapsed / decayNanos);
    }

    private double decayedPenalty(long nowNanos) {
        if (penaltyNanos == 0) {
            return 0;
        }
        final long elapsed = Math.max(0, nowNanos - penaltyStampNanos);
        return penaltyNanos * Math.exp(-(double) elapsed / FAILURE_PENALTY_DECAY_NANOS);
    }
}
