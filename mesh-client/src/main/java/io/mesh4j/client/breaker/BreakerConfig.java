package io.mesh4j.client.breaker;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * When an endpoint's circuit breaker opens, how long it stays open, and how it is probed again.
 *
 * <p>The defaults open a breaker when 5 calls in a row failed, or at least half of the last 20 (once 5 calls have
 * been seen), keep it open 5 seconds, then let 3 trial calls decide whether it closes.
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

    public static BreakerConfig ofDefaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The share of failed calls, in percent, at which the breaker opens. */
    public float failureRateThreshold() {
        return failureRateThreshold;
    }

    /** How many of the most recent calls the failure rate is computed over. */
    public int slidingWindowSize() {
        return slidingWindowSize;
    }

    /** How many calls must be seen before the failure rate counts. */
    public int minimumNumberOfCalls() {
        return minimumNumberOfCalls;
    }

    /** How long an open breaker keeps its endpoint out of rotation before trial calls. */
    public Duration openDuration() {
        return openDuration;
    }

    /** How many trial calls a half-open breaker lets through to decide. */
    public int trialCalls() {
        return trialCalls;
    }

    /**
     * How many failures in a row open the breaker whatever the failure rate, as Envoy's and Linkerd's outlier
     * detection do: a dead endpoint must not wait for half of a long window to fill before it is ejected.
     */
    public int consecutiveFailures() {
        return consecutiveFailures;
    }

    /**
     * The most of a service's endpoints kept out of rotation at once, in percent: past it, endpoints with open
     * breakers stay in, as Envoy's {@code max_ejection_percent}, so that a fault that trips every breaker (a bad
     * deploy of the caller, a network blip) cannot empty the service.
     */
    public int maxEjectedPercent() {
        return maxEjectedPercent;
    }

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

    public static final class Builder {

        private float failureRateThreshold = 50;
        private int slidingWindowSize = 20;
        private int minimumNumberOfCalls = 5;
        private Duration openDuration = Duration.ofSeconds(5);
        private int trialCalls = 3;
        private int consecutiveFailures = 5;
        private int maxEjectedPercent = 100;

        private Builder() {}

        public Builder failureRateThreshold(float percent) {
            if (!(percent > 0 && percent <= 100)) {
                throw new IllegalArgumentException("failureRateThreshold: " + percent + " (expected: 0 < x <= 100)");
            }
            failureRateThreshold = percent;
            return this;
        }

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

        public Builder openDuration(Duration openDuration) {
            requireNonNull(openDuration, "openDuration");
            if (openDuration.isNegative() || openDuration.isZero()) {
                throw new IllegalArgumentException("openDuration: " + openDuration + " (expected: > 0)");
            }
            this.openDuration = openDuration;
            return this;
        }

        public Builder trialCalls(int trialCalls) {
            if (trialCalls < 1) {
                throw new IllegalArgumentException("trialCalls: " + trialCalls + " (expected: > 0)");
            }
            this.trialCalls = trialCalls;
            return this;
        }

        public Builder consecutiveFailures(int consecutiveFailures) {
            if (consecutiveFailures < 1) {
                throw new IllegalArgumentException("consecutiveFailures: " + consecutiveFailures + " (expected: > 0)");
            }
            this.consecutiveFailures = consecutiveFailures;
            return this;
        }

        public Builder maxEjectedPercent(int percent) {
            if (percent < 0 || percent > 100) {
                throw new IllegalArgumentException("maxEjectedPercent: " + percent + " (expected: 0..100)");
            }
            maxEjectedPercent = percent;
            return this;
        }

        public BreakerConfig build() {
            return new BreakerConfig(this);
        }
    }
}
