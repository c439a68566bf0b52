package io.mesh4j.client.retry;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How a service's calls are retried: how many attempts at most, how long to wait between them, and the budget
 * that keeps retries from multiplying the load on a service that is already failing.
 *
 * <p>The defaults follow Finagle: up to 3 attempts, and retries at most 20% of requests plus 10 per second,
 * counted over the last 10 seconds.
 */
public final class RetryConfig {

    private static final RetryConfig DEFAULTS = builder().build();

    private final int maxAttempts;
    private final Duration backoffBase;
    private final Duration backoffCap;
    private final Duration perAttemptTimeout;
    private final boolean adaptivePerAttemptTimeout;
    private final double budgetPercent;
    private final int budgetMinPerSecond;
    private final Duration budgetTtl;

    private RetryConfig(Builder b) {
        maxAttempts = b.maxAttempts;
        backoffBase = b.backoffBase;
        backoffCap = b.backoffCap;
        perAttemptTimeout = b.perAttemptTimeout;
        adaptivePerAttemptTimeout = b.adaptivePerAttemptTimeout;
        budgetPercent = b.budgetPercent;
        budgetMinPerSecond = b.budgetMinPerSecond;
        budgetTtl = b.budgetTtl;
    }

    public static RetryConfig ofDefaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Attempts in all, the first one included; 1 turns retries off. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** The ceiling of the first backoff; each further one doubles it, up to {@link #backoffCap()}. */
    public Duration backoffBase() {
        return backoffBase;
    }

    public Duration backoffCap() {
        return backoffCap;
    }

    /**
     * The timeout of each attempt; zero means none of its own, the attempt may use what is left of the call's
     * deadline, unless {@link #adaptivePerAttemptTimeout()} cuts it.
     */
    public Duration perAttemptTimeout() {
        return perAttemptTimeout;
    }

    /**
     * Whether, without a {@link #perAttemptTimeout()} of its own, an attempt of an idempotent call is cut after
     * four times the service's recent 99th percentile latency (at least 250 ms) and retried on another endpoint,
     * so that an instance that stops answering (a paused process) costs the calls in flight on it that long
     * rather than their whole timeout. Never the call's last attempt, nor one the budget would not retry: a cut
     * never fails a call that waiting would have let succeed. On unless turned off.
     */
    public boolean adaptivePerAttemptTimeout() {
        return adaptivePerAttemptTimeout;
    }

    /** Retries allowed as a share of requests, such as 0.2 for 20%. */
    public double budgetPercent() {
        return budgetPercent;
    }

    /** Retries allowed per second whatever the request rate, so that a quiet client can still retry. */
    public int budgetMinPerSecond() {
        return budgetMinPerSecond;
    }

    /** How long a request counts toward the budget. */
    public Duration budgetTtl() {
        return budgetTtl;
    }

    public Builder toBuilder() {
        return new Builder()
                .maxAttempts(maxAttempts)
                .backoff(backoffBase, backoffCap)
                .perAttemptTimeout(perAttemptTimeout)
                .adaptivePerAttemptTimeout(adaptivePerAttemptTimeout)
                .budget(budgetPercent, budgetMinPerSecond, budgetTtl);
    }

    @Override
    public String toString() {
        return "RetryConfig(maxAttempts=" + maxAttempts + ", backoff=" + backoffBase.toMillis() + ".."
                + backoffCap.toMillis() + "ms, perAttemptTimeout=" + perAttemptTimeout.toMillis()
                + "ms, budget=" + Math.round(budgetPercent * 100) + "% + " + budgetMinPerSecond + "/s over "
                + budgetTtl.toSeconds() + "s" + (adaptivePerAttemptTimeout ? "" : ", no adaptive perAttemptTimeout")
                + ')';
    }

    public static final class Builder {

        private int maxAttempts = 3;
        private Duration backoffBase = Duration.ofMillis(10);
        private Duration backoffCap = Duration.ofMillis(500);
        private Duration perAttemptTimeout = Duration.ZERO;
        private boolean adaptivePerAttemptTimeout = true;
        private double budgetPercent = 0.2;
        private int budgetMinPerSecond = 10;
        private Duration budgetTtl = Duration.ofSeconds(10);

        private Builder() {}

        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1 || maxAttempts > 10) {
                throw new IllegalArgumentException("maxAttempts: " + maxAttempts + " (expected: 1..10)");
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        public Builder backoff(Duration base, Duration cap) {
            requireNonNull(base, "base");
            requireNonNull(cap, "cap");
            if (base.isNegative() || base.isZero()) {
                throw new IllegalArgumentException("backoff base: " + base + " (expected: > 0)");
            }
            if (cap.compareTo(base) < 0) {
                throw new IllegalArgumentException("backoff cap: " + cap + " (expected: >= base " + base + ')');
            }
            backoffBase = base;
            backoffCap = cap;
            return this;
        }

        public Builder perAttemptTimeout(Duration perAttemptTimeout) {
            requireNonNull(perAttemptTimeout, "perAttemptTimeout");
            if (perAttemptTimeout.isNegative()) {
                throw new IllegalArgumentException(
                        "perAttemptTimeout: " + perAttemptTimeout + " (expected: >= 0, 0 for none)");
            }
            this.perAttemptTimeout = perAttemptTimeout;
            return this;
        }

        /** See {@link RetryConfig#adaptivePerAttemptTimeout()}; on unless set. */
        public Builder adaptivePerAttemptTimeout(boolean enabled) {
            adaptivePerAttemptTimeout = enabled;
            return this;
        }

        public Builder budget(double percent, int minPerSecond, Duration ttl) {
            requireNonNull(ttl, "ttl");
            if (!(percent >= 0 && percent <= 1)) {
                throw new IllegalArgumentException("budget percent: " + percent + " (expected: 0.0..1.0)");
            }
            if (minPerSecond < 0) {
                throw new IllegalArgumentException("budget minPerSecond: " + minPerSecond + " (expected: >= 0)");
            }
            if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(Duration.ofSeconds(60)) > 0) {
                throw new IllegalArgumentException("budget ttl: " + ttl + " (expected: 1s..60s)");
            }
            budgetPercent = percent;
            budgetMinPerSecond = minPerSecond;
            budgetTtl = ttl;
            return this;
        }

        public RetryConfig build() {
            return new RetryConfig(this);
        }
    }
}
