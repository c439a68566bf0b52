package io.mesh4j.server.internal.quota;

/**
 * A token bucket whose rate changes with each lease: tokens accrue at the rate, up to one second's worth, so that
 * a burst is never more than a second of the share. Taking a token never waits.
 */
final class TokenBucket {

    private static final double BURST_SECONDS = 1;

    // Guarded by this.
    private double perSecond;
    private double tokens;
    private long lastNanos;

    TokenBucket(double perSecond, long nowNanos) {
        this.perSecond = perSecond;
        tokens = capacity(perSecond);
        lastNanos = nowNanos;
    }

    /** Takes a token if one is there; never waits. */
    synchronized boolean tryTake(long nowNanos) {
        refill(nowNanos);
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /** Gives back a token taken for a request that another quota then refused. */
    synchronized void giveBack() {
        tokens = Math.min(capacity(perSecond), tokens + 1);
    }

    /** A new share: what has accrued so far at the old rate stays, bounded by the new burst. */
    synchronized void rate(double perSecond, long nowNanos) {
        refill(nowNanos);
        this.perSecond = perSecond;
        tokens = Math.min(tokens, capacity(perSecond));
    }

    synchronized double rate() {
        return perSecond;
    }

    /** Whole seconds until a token is there, at least one: what {@code Retry-After} says. */
    synchronized long secondsToNextToken() {
        if (perSecond <= 0) {
            return 1;
        }
        return Math.max(1, (long) Math.ceil((1 - tokens) / perSecond));
    }

    private void refill(long nowNanos) {
        final long elapsed = nowNanos - lastNanos;
        if (elapsed > 0) {
            tokens = Math.min(capacity(perSecond), tokens + perSecond * elapsed / 1e9);
            lastNanos = nowNanos;
        }
    }

    private static double capacity(double perSecond) {
        return Math.max(1, perSecond * BURST_SECONDS);
    }
}
