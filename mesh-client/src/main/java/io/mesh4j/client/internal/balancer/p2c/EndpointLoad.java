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
 *
 * <p>A late answer is the other half of a stall: a process frozen for seconds answers, when it resumes, what its
 * callers still waited for, and each answer's latency is the stall. Taken as the endpoint's speed, one such answer
 * kept a healthy endpoint out for as long as its cost took to decay: about a minute after a 10 s stall, since
 * nothing it answered meanwhile could lower the estimate faster. So an answer that raises the cost more than
 * {@link #JUMP_RATIO twice} or more is believed at once (peak EWMA still leaves a slowing endpoint at its first slow
 * answer) but not yet for good: the first answer to an attempt sent after it decides. As slow, or nearly: the
 * endpoint is slow, and the cost goes on as usual. Under half of it: the stall is over, and the cost starts over
 * from that answer. The other late answers of the same stall were sent before and decide nothing. An endpoint
 * nobody picks because of its jump gets one {@link #tryProbe probe} a {@link #PROBE_AFTER_NANOS second}, so that
 * the deciding answer comes.
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

    /**
     * How many times the cost one answer must raise it by to be a jump, which the next answer confirms or undoes.
     * Low, because an endpoint gets no pick at all once its cost is more than (requests in flight elsewhere + 1)
     * times the others': at a few calls in flight, two or three times. A rise below the ratio is not probed and
     * only decays, over the 10 s decay: at 4, a late answer of 3.5 times the cost kept a resumed instance out for
     * over 10 s (BalancerTest, on busy cores). A jump that was noise costs nothing: the next answer undoes it.
     */
    static final double JUMP_RATIO = 2;

    /**
     * How long after a jump, and after each probe since, an endpoint nobody picked gets one attempt to say whether
     * it is still slow: soon enough that a resumed endpoint is back within seconds, rarely enough that a really slow
     * one costs one slow call a second at most, and only until its first answer after the jump.
     */
    static final long PROBE_AFTER_NANOS = Duration.ofSeconds(1).toNanos();

    /** {@link #jumpNanos} when the cost rests on no unconfirmed jump. */
    private static final long NO_JUMP = Long.MIN_VALUE;

    private final long decayNanos;
    private final AtomicInteger inFlight = new AtomicInteger();

    // Guarded by this.
    private double costNanos;
    private long stampNanos;
    private double penaltyNanos;
    private long penaltyStampNanos;
    /**
     * When the answer that raised the cost by a jump came, {@link #NO_JUMP} if none waits to be confirmed. Written
     * under the lock; volatile so that every pick can see there is none without taking it.
     */
    private volatile long jumpNanos = NO_JUMP;

    private long probeNanos;

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
        // It answers: what its failures said no longer holds.
        penaltyNanos = 0;
        final double weight = Math.exp(-(double) Math.max(0, nowNanos - stampNanos) / decayNanos);
        final double decayed = costNanos * weight;
        if (jumpNanos != NO_JUMP && nowNanos - rttNanos >= jumpNanos) {
            // The first answer to an attempt sent after the jump: it says whether the endpoint is still slow.
            jumpNanos = NO_JUMP;
            if (rttNanos < decayed / 2) {
                // No: the jump was a stall that has ended, not the endpoint's speed.
                costNanos = rttNanos;
                stampNanos = nowNanos;
                return;
            }
        }
        if (rttNanos > decayed) {
            if (jumpNanos == NO_JUMP && decayed > 0 && rttNanos > JUMP_RATIO * decayed) {
                jumpNanos = nowNanos;
                probeNanos = nowNanos;
            }
            costNanos = rttNanos;
        } else {
            costNanos = decayed + rttNanos * (1 - weight);
        }
        stampNanos = nowNanos;
    }

    /**
     * Whether to send the next attempt here, whatever the loads say, to learn whether a jump of its cost still
     * holds: once {@link #PROBE_AFTER_NANOS} has passed since the jump and since the last probe, while nothing is in
     * flight here (an attempt in flight will tell) and its last failure's penalty has faded (a failing endpoint is
     * not probed). A {@code true} counts as the probe.
     */
    boolean tryProbe(long nowNanos) {
        if (jumpNanos == NO_JUMP) {
            // Nearly every pick: no lock taken.
            return false;
        }
        synchronized (this) {
            return tryProbeLocked(nowNanos);
        }
    }

    private boolean tryProbeLocked(long nowNanos) {
        if (jumpNanos == NO_JUMP
                || nowNanos - probeNanos < PROBE_AFTER_NANOS
                || inFlight.get() > 0
                || decayedPenalty(nowNanos) > FAILURE_PENALTY_NANOS / 100.0) {
            return false;
        }
        probeNanos = nowNanos;
        return true;
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
