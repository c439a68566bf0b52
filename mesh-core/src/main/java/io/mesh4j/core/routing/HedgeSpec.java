package io.mesh4j.core.routing;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * Hedging: when an attempt has not answered after {@code delay} (or after the route's {@code percentile} latency),
 * send another to another endpoint, take the first answer and cancel the rest; at most {@code maxAttempts} in
 * all, within the retry budget.
 */
public record HedgeSpec(@Nullable Duration delay, @Nullable Double percentile, int maxAttempts) {

    public HedgeSpec {
        if ((delay == null) == (percentile == null)) {
            throw new IllegalArgumentException("hedge: give either delay or percentile (expected: one of them)");
        }
        if (delay != null && (delay.isNegative() || delay.isZero())) {
            throw new IllegalArgumentException("hedge.delay: " + delay.toMillis() + "ms (expected: > 0)");
        }
        if (percentile != null && !(percentile > 0 && percentile < 100)) {
            throw new IllegalArgumentException("hedge.percentile: " + percentile + " (expected: 0 < p < 100)");
        }
        if (maxAttempts < 2 || maxAttempts > 5) {
            throw new IllegalArgumentException("hedge.maxAttempts: " + maxAttempts + " (expected: 2..5)");
        }
    }
}
