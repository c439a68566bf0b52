package io.mesh4j.client.internal.balancer.p2c;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the balancer knows of one endpoint's load: its requests in flight and a peak-sensitive moving average
 * of its latency (peak EWMA, as in Finagle and Linkerd).
 *
 * <p>"Peak": a sample above the average replaces it at once, so a slowing endpoint loses traffic at its first
 * slow answer; a sample below it is blended in with a weight that grows with the time since the last one.
 * Between samples the average decays toward zero, so an endpoint that stopped getting traffic because it was
 * slow is tried again after a while, and its next answer says whether it still is.
 */
final class EndpointLoad {

    /**
     * The load of an endpoint that has answered nothing yet but has requests in flight. Without it, an unknown
     * endpoint (cost 0) would win every comparison and take a burst of traffic before its first answer; with
     * it, it takes one request at a time until it has a cost (Finagle does the same).
     */
    static final double PENALTY = Long.MAX_VALUE >> 16;

    private final long decayNanos;
    private final AtomicInteger inFlight = new AtomicInteger();

    // Guarded by this.
    private double costNanos;
    private long stampNanos;

    EndpointLoad(long decayNanos, long nowNanos) {
        this.decayNanos = decayNanos;
        stampNanos = nowNanos;
    }

    void start() {
        inFlight.incrementAndGet();
    }

    void end(long rttNanos, long nowNanos) {
        inFlight.decrementAndGet();
        observe(rttNanos, nowNanos);
    }

    synchronized void observe(long rttNanos, long nowNanos) {
        final double weight = Math.exp(-(double) Math.max(0, nowNanos - stampNanos) / decayNanos);
        if (rttNanos > costNanos * weight) {
            costNanos = rttNanos;
        } else {
            costNanos = costNanos * weight + rttNanos * (1 - weight);
        }
        stampNanos = nowNanos;
    }

    /**
     * The load to compare: cost times (in-flight + 1).
     */
    double load(long nowNanos) {
        final int pending = inFlight.get();
        final double cost;
        synchronized (this) {
            cost = decayedCost(nowNanos);
        }
        if (cost == 0 && pending > 0) {
            return PENALTY + pending;
        }
        return cost * (pending + 1);
    }

    int inFlight() {
        return inFlight.get();
    }

    /** How long since the last sample. */
    synchronized long idleNanos(long nowNanos) {
        return nowNanos - stampNanos;
    }

    synchronized double costNanos(long nowNanos) {
        return decayedCost(nowNanos);
    }

    private double decayedCost(long nowNanos) {
        final long elapsed = Math.max(0, nowNanos - stampNanos);
        return costNanos * Math.exp(-(double) elapsed / decayNanos);
    }
}
