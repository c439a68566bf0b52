package io.mesh4j.client.breaker;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * When an endpoint's circuit breaker opens, how long it stays open, and how it is probed again.
 *
 * <p>The defaults open a breaker when 5 calls in a row failed, or at least half of the last 20 (once 5 calls have
 * been seen), keep it open 5 seconds, then let 3 trial calls decide whether it closes. A breaker judges one
 * endpoint, one attempt at a time, by the shared {@code ResponseClassifier}; the outlier thresholds of the called
 * service's route config win over these values.
 *
 * <pre>{@code
 * BreakerConfig breaker = BreakerConfig.builder()
 *         .consecutiveFailures(3)
 *         .openDuration(Duration.ofSeconds(10))
 *         .maxEjectedPercent(50)
 *         .build();
 * }</pre>
 */
public final class BreakerConfig {

    private static final BreakerConfig DEFAULTS = builder().build();

    private final float failureRateThreshold;
    private final int slidingWindowSize;
    private final int minimumNumberOfCalls;
    private final Duration openDuration;
    private final int trialCalls;
    private final int consecutiveFailures;
    private final int maxEjectedPercent;

    private BreakerConfig(Builder b) {
        failureRateThreshold = b.failureRateThreshold;
        slidingWindowSize = b.slidingWindowSize;
        minimumNumberOfCalls = b.minimumNumberOfCalls;
        openDuration = b.openDuration;
        trialCalls = b.trialCalls;
        consecutiveFailures = b.consecutiveFailures;
        maxEjectedPercent = b.maxEjectedPercent;
    }

    /**
     * Returns the defaults described above.
     *
     * @return the default config, one shared instance
     */
    public static BreakerConfig ofDefaults() {
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
     * Returns the share of failed calls, in percent, at which the breaker opens.
     *
     * @return above 0 and at most 100; 50 unless set
     */
    public float failureRateThreshold() {
        return failureRateThreshold;
    }

    /**
     * Returns how many of the most recent calls the failure rate is computed over.
     *
     * @return at least 1; 20 unless set
     */
    public int slidingWindowSize() {
        return slidingWindowSize;
    }

    /**
     * Returns how many calls must be seen before the failure rate counts.
     *
     * @return 1 to {@link #slidingWindowSize()}; 5 unless set
     */
    public int minimumNumberOfCalls() {
        return minimumNumberOfCalls;
    }

    /**
     * Returns how long an open breaker keeps its endpoint out of rotation before trial calls.
     *
     * @return {@code > 0}; 5 seconds unless set
     */
    public Duration openDuration() {
        return openDuration;
    }

    /**
     * Returns how many trial calls a half-open breaker lets through to decide.
     *
     * @return at least 1; 3 unless set
     */
    public int trialCalls() {
        return trialCalls;
    }

    /**
     * How many failures in a row open the breaker whatever the failure rate, as Envoy's and Linkerd's outlier
     * detection do: a dead endpoint must not wait for half of a long window to fill before it is ejected.
     *
     * @return at least 1; 5 unless set
     */
    public int consecutiveFailures() {
        return consecutiveFailures;
    }

    /**
     * The most of a service's endpoints kept out of rotation at once, in percent: past it, endpoints with open
     * breakers stay in, as Envoy's {@code max_ejection_percent}, so that a fault that trips every breaker (a bad
     * deploy of the caller, a network blip) cannot empty the service.
     *
     * @return 0 to 100; 100 (no limit) unless set
     */
    public int maxEjectedPercent() {
        return maxEjectedPercent;
    }

    /**
     * Returns a builder that starts from this config's values.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        return new Builder()
                .failureRateThreshold(failureRateThreshold)
                .slidingWindow(slidingWindowSize, minimumNumberOfCalls)
                .openDuration(openDuration)
                .trialCalls(trialCalls)
                .consecutiveFailures(consecutiveFailures)
                .maxEjectedPercent(maxEjectedPercent);
    }

    @Override
    public String toString() {
        return "BreakerConfig(opens at " + failureRateThreshold + "% of " + slidingWindowSize + " calls (min "
                + minimumNumberOfCalls + ") or " + consecutiveFailures + " in a row, open for "
                + openDuration.toMillis() + "ms, " + trialCalls + " trial calls, at most " + maxEjectedPercent
                + "% ejected)";
    }

    /** Builds a {@link BreakerConfig}; every setter has a default, those of {@link #ofDefaults()}. */
    public static final class Builder {

        private float failureRateThreshold = 50;
        private int slidingWindowSize = 20;
        private int minimumNumberOfCalls = 5;
        private Duration openDuration = Duration.ofSeconds(5);
        private int trialCalls = 3;
        private int consecutiveFailures = 5;
        private int maxEjectedPercent = 100;

        private Builder() {}

        /**
         * Sets the share of failed calls, in percent, at which the breaker opens; 50 unless set.
         *
         * @param percent above 0 and at most 100
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder failureRateThreshold(float percent) {
            if (!(percent > 0 && percent <= 100)) {
                throw new IllegalArgumentException("failureRateThreshold: " + percent + " (expected: 0 < x <= 100)");
            }
            failureRateThreshold = percent;
            return this;
        }

        /**
         * Sets the window the failure rate is computed over; 20 calls, of which at least 5 seen, unless set.
         *
         * @param size how many of the most recent calls count, at least 1
         * @param minimumNumberOfCalls how many calls must be seen before the rate counts, 1 to {@code size}
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder slidingWindow(int size, int minimumNumberOfCalls) {
            if (size < 1) {
                throw new IllegalArgumentException("slidingWindowSize: " + size + " (expected: > 0)");
            }
            if (minimumNumberOfCalls < 1 || minimumNumberOfCalls > size) {
                throw new IllegalArgumentException(
                        "minimumNumberOfCalls: " + minimumNumberOfCalls + " (expected: 1.." + size + ')');
            }
            slidingWindowSize = size;
            this.minimumNumberOfCalls = minimumNumberOfCalls;
            return this;
        }

        /**
         * Sets how long an open breaker keeps its endpoint out before trial calls; 5 seconds unless set.
         *
         * @param openDuration {@code > 0}
         * @return this builder
         * @throws IllegalArgumentException if not {@code > 0}
         */
        public Builder openDuration(Duration openDuration) {
            requireNonNull(openDuration, "openDuration");
            if (openDuration.isNegative() || openDuration.isZero()) {
                throw new IllegalArgumentException("openDuration: " + openDuration + " (expected: > 0)");
            }
            this.openDuration = openDuration;
            return this;
        }

        /**
         * Sets how many trial calls a half-open breaker lets through; 3 unless set.
         *
         * @param trialCalls at least 1
         * @return this builder
         * @throws IllegalArgumentException if less than 1
         */
        public Builder trialCalls(int trialCalls) {
            if (trialCalls < 1) {
                throw new IllegalArgumentException("trialCalls: " + trialCalls + " (expected: > 0)");
            }
            this.trialCalls = trialCalls;
            return this;
        }

        /**
         * Sets how many failures in a row open the breaker whatever the failure rate; 5 unless set.
         *
         * @param consecutiveFailures at least 1
         * @return this builder
         * @throws IllegalArgumentException if less than 1
         */
        public Builder consecutiveFailures(int consecutiveFailures) {
            if (consecutiveFailures < 1) {
                throw new IllegalArgumentException("consecutiveFailures: " + consecutiveFailures + " (expected: > 0)");
            }
            this.consecutiveFailures = consecutiveFailures;
            return this;
        }

        /**
         * Sets the most of a service's endpoints kept out at once, in percent; 100 unless set.
         *
         * @param percent 0 to 100
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder maxEjectedPercent(int percent) {
            if (percent < 0 || percent > 100) {
                throw new IllegalArgumentException("maxEjectedPercent: " + percent + " (expected: 0..100)");
            }
            maxEjectedPercent = percent;
            return this;
        }

        /**
         * Returns the config.
         *
         * @return a new config
         */
        public BreakerConfig build() {
            return new BreakerConfig(this);
        }
    }
}
