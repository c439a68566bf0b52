package io.mesh4j.registry.internal.instances;

import java.time.Duration;

/**
 * How long an instance stays without a heartbeat. Heartbeats renew it from event loops while the writer ends it;
 * once ended it cannot be renewed, so a heartbeat either lands before the expiry (and the instance stays) or
 * answers 404 (and the instance registers again), never a 200 for an instance on its way out.
 */
final class Lease {

    private final Duration ttl;
    private long deadline;
    private boolean ended;

    Lease(Duration ttl, long nowNanos) {
        this.ttl = ttl;
        deadline = nowNanos + ttl.toNanos();
    }

    Duration ttl() {
        return ttl;
    }

    /** Pushes the deadline to a TTL from now; {@code false} if the lease has ended. */
    synchronized boolean renew(long nowNanos) {
        if (ended) {
            return false;
        }
        deadline = nowNanos + ttl.toNanos();
        return true;
    }

    /** How long since the lease was started or last renewed. */
    synchronized Duration sinceRenewal(long nowNanos) {
        return Duration.ofNanos(nowNanos - (deadline - ttl.toNanos()));
    }

    synchronized boolean isDue(long nowNanos) {
        // Compared by difference: nanoTime-like tickers may wrap.
        return !ended && nowNanos - deadline >= 0;
    }

    /** Ends the lease if its deadline has passed; {@code true} if this call ended it. */
    synchronized boolean endIfDue(long nowNanos) {
        if (!isDue(nowNanos)) {
            return false;
        }
        ended = true;
        return true;
    }

    synchronized void end() {
        ended = true;
    }
}
