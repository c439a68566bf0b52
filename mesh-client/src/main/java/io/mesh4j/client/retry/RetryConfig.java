package io.mesh4j.client.retry;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

import io.mesh4j.core.routing.RetrySpec;

/**
 * How a service's calls are retried: how many attempts at most, how long to wait between them, and the budget
 * that keeps retries from multiplying the load on a service that is already failing.
 *
 * <p>The defaults follow Finagle: up to 3 attempts, and retries at most 20% of requests plus 10 per second,
 * counted over the last 10 seconds. Backoff is exponential with full jitter, from 10 ms up to 500 ms.
 *
 * <pre>{@code
 * RetryConfig retry = RetryConfig.builder()
 *         .maxAttempts(4)
 *         .backoff(Duration.ofMillis(25), Duration.ofSeconds(1))
 *         .budget(0.1, 5, Duration.ofSeconds(10))
 *         .build();
 * }</pre>
 */
public final class RetryConfig {

    private static final RetryConfig DEFAULTS = builder().build();

    private final int maxAttempts;
    private final Duration backoffBase;
    private final Duration backoffCap;
    private final Duration perAttemptTimeout;
    private final boolean adaptivePerAttemptTimeout;
    private final double budgetRatio;
    private final int budgetMinPerSecond;
    private final Duration budgetTtl;

    private RetryConfig(Builder b) {
        maxAttempts = b.maxAttempts;
        backoffBase = b.backoffBase;
        backoffCap = b.backoffCap;
        perAttemptTimeout = b.perAttemptTimeout;
        adaptivePerAttemptTimeout = b.adaptivePerAttemptTimeout;
        budgetRatio = b.budgetRatio;
        budgetMinPerSecond = b.budgetMinPerSecond;
        budgetTtl = b.budgetTtl;
    }

    /**
     * Returns the defaults described above.
     *
     * @return the default config, one shared instance
     */
    public static RetryConfig ofDefaults() {
        return DEFAULTS;
    }

    /**
     * Returns a builder that starts from the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the attempts in all, the first one included; 1 turns retries off.
     *
     * @return 1 to 10; 3 unless set
     */
    public int maxAttempts() {
        return maxAttempts;
    }

    /**
     * Returns the ceiling of the first backoff; each further one doubles it, up to {@link #backoffCap()}.
     *
     * @return {@code > 0}; 10 ms unless set
     */
    public Duration backoffBase() {
        return backoffBase;
    }

    /**
     * Returns the ceiling of every backoff.
     *
     * @return at least {@link #backoffBase()}; 500 ms unless set
     */
    public Duration backoffCap() {
        return backoffCap;
    }

    /**
     * Returns the timeout of each attempt; zero means none of its own, the attempt may use what is left of the
     * call's deadline, unless {@link #adaptivePerAttemptTimeout()} cuts it.
     *
     * @return {@code >= 0}; zero unless set
     */
    public Duration perAttemptTimeout() {
        return perAttemptTimeout;
    }

    /**
     * Returns whether, without a {@link #perAttemptTimeout()} of its own, an attempt of an idempotent call is cut
     * after four times the service's recent 99th percentile latency (at least 250 ms) and retried on another
     * endpoint, so that an instance that stops answering (a paused process) costs the calls in flight on it that
     * long rather than their whole timeout. Never the call's last attempt, nor one the budget would not retry: a
     * cut never fails a call that waiting would have let succeed. On unless turned off.
     *
     * @return {@code true} unless turned off
     */
    public boolean adaptivePerAttemptTimeout() {
        return adaptivePerAttemptTimeout;
    }

    /**
     * Returns the retries allowed as a share of requests: a fraction, such as 0.2 for 20%, not a percentage.
     *
     * @return 0.0 to 1.0; 0.2 unless set
     */
    public double budgetRatio() {
        return budgetRatio;
    }

    /**
     * Returns the retries allowed per second whatever the request rate, so that a quiet client can still retry.
     *
     * @return {@code >= 0}; 10 unless set
     */
    public int budgetMinPerSecond() {
        return budgetMinPerSecond;
    }

    /**
     * Returns how long a request counts toward the budget.
     *
     * @return 1 to 60 seconds; 10 seconds unless set
     */
    public Duration budgetTtl() {
        return budgetTtl;
    }

    /**
     * Returns a builder that starts from this config's values.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        return new Builder()
                .maxAttempts(maxAttempts)
                .backoff(backoffBase, backoffCap)
                .perAttemptTimeout(perAttemptTimeout)
                .adaptivePerAttemptTimeout(adaptivePerAttemptTimeout)
                .budget(budgetRatio, budgetMinPerSecond, budgetTtl);
    }

    @Override
    public String toString() {
        return "RetryConfig(maxAttempts=" + maxAttempts + ", backoff=" + backoffBase.toMillis() + ".."
                + backoffCap.toMillis() + "ms, perAttemptTimeout=" + perAttemptTimeout.toMillis()
                + "ms, budget=" + Math.round(budgetRatio * 100) + "% + " + budgetMinPerSecond + "/s over "
                + budgetTtl.toSeconds() + "s" + (adaptivePerAttemptTimeout ? "" : ", no adaptive perAttemptTimeout")
                + ')';
    }

    /** Builds a {@link RetryConfig}; every setter has a default, those of {@link #ofDefaults()}. */
    public static final class Builder {

        // The same defaults as @Retry's and a route config's.
        private int maxAttempts = RetrySpec.DEFAULT_ATTEMPTS;
        private Duration backoffBase = Duration.ofMillis(RetrySpec.DEFAULT_BACKOFF_BASE_MILLIS);
        private Duration backoffCap = Duration.ofMillis(RetrySpec.DEFAULT_BACKOFF_CAP_MILLIS);
        private Duration perAttemptTimeout = Duration.ZERO;
        private boolean adaptivePerAttemptTimeout = true;
        private double budgetRatio = 0.2;
        private int budgetMinPerSecond = 10;
        private Duration budgetTtl = Duration.ofSeconds(10);

        private Builder() {}

        /**
         * Sets the attempts in all, the first one included; 3 unless set.
         *
         * @param maxAttempts 1 (no retry) to 10
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1 || maxAttempts > 10) {
                throw new IllegalArgumentException("maxAttempts: " + maxAttempts + " (expected: 1..10)");
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /**
         * Sets the backoff: the ceiling of the first, doubled for each further retry up to {@code cap}, each drawn
         * at random below its ceiling (full jitter); 10 ms and 500 ms unless set.
         *
         * @param base the ceiling of the first backoff, {@code > 0}
         * @param cap the ceiling of every backoff, at least {@code base}
         * @return this builder
         * @throws IllegalArgumentException if {@code base} is not {@code > 0} or {@code cap} is less than it
         */
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

        /**
         * Sets the timeout of each attempt; none (zero) unless set.
         *
         * @param perAttemptTimeout {@code >= 0}; zero for none
         * @return this builder
         * @throws IllegalArgumentException if negative
         */
        public Builder perAttemptTimeout(Duration perAttemptTimeout) {
            requireNonNull(perAttemptTimeout, "perAttemptTimeout");
            if (perAttemptTimeout.isNegative()) {
                throw new IllegalArgumentException(
                        "perAttemptTimeout: " + perAttemptTimeout + " (expected: >= 0, 0 for none)");
            }
            this.perAttemptTimeout = perAttemptTimeout;
            return this;
        }

        /**
         * Sets whether an idempotent attempt without a per-attempt timeout of its own is cut after four times the
         * service's recent p99; see {@link RetryConfig#adaptivePerAttemptTimeout()}. On unless set.
         *
         * @param enabled {@code false} to let every attempt run until the call's deadline
         * @return this builder
         */
        public Builder adaptivePerAttemptTimeout(boolean enabled) {
            adaptivePerAttemptTimeout = enabled;
            return this;
        }

        /**
         * Sets the retry budget: retries are allowed while they are at most {@code ratio} of the requests of the
         * last {@code ttl}, plus {@code minPerSecond}; 0.2, 10 and 10 seconds unless set.
         *
         * @param ratio the share of requests that may be retried, as a fraction from 0.0 to 1.0 (0.2 for 20%), not a
         *     percentage
         * @param minPerSecond retries allowed per second whatever the request rate, {@code >= 0}
         * @param ttl how long a request counts, 1 to 60 seconds
         * @return this builder
         * @throws IllegalArgumentException if a value is out of range, such as a ratio given as a percentage (20
         *     for 20%)
         */
        public Builder budget(double ratio, int minPerSecond, Duration ttl) {
            requireNonNull(ttl, "ttl");
            if (!(ratio >= 0 && ratio <= 1)) {
                throw new IllegalArgumentException("budget ratio: " + ratio
                        + " (expected: 0.0..1.0, a fraction such as 0.2 for 20%, not a percentage)");
            }
            if (minPerSecond < 0) {
                throw new IllegalArgumentException("budget minPerSecond: " + minPerSecond + " (expected: >= 0)");
            }
            if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(Duration.ofSeconds(60)) > 0) {
                throw new IllegalArgumentException("budget ttl: " + ttl + " (expected: 1s..60s)");
            }
            budgetRatio = ratio;
            budgetMinPerSecond = minPerSecond;
            budgetTtl = ttl;
            return this;
        }

        /**
         * Returns the config.
         *
         * @return a new config
         */
        public RetryConfig build() {
            return new RetryConfig(this);
        }
    }
}
