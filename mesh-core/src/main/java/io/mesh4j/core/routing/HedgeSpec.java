package io.mesh4j.core.routing;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * Hedging: when an attempt has not answered after {@code delay} (or after the route's {@code percentile} latency),
 * send another to another endpoint, take the first answer and cancel the rest; at most {@code maxAttempts} in
 * all, within the retry budget.
 *
 * <pre>{@code
 * new HedgeSpec(Duration.ofMillis(50), null, 2)   // a second attempt if the first has not answered in 50 ms
 * new HedgeSpec(null, 95.0, 3)                     // after the route's 95th percentile latency, up to 3 in all
 * }</pre>
 *
 * @param delay how long an attempt may go unanswered before the next is sent, {@code > 0}; {@code null} when
 *     {@code percentile} is given
 * @param percentile the percentile of the route's recent latency after which the next attempt is sent, strictly
 *     between 0 and 100, such as {@code 95.0}; {@code null} when {@code delay} is given
 * @param maxAttempts the attempts in flight at most, the first included, 2 to 5
 */
public record HedgeSpec(@Nullable Duration delay, @Nullable Double percentile, int maxAttempts) {

    /**
     * Checks the components.
     *
     * @param delay see {@link #delay()}
     * @param percentile see {@link #percentile()}
     * @param maxAttempts see {@link #maxAttempts()}
     * @throws IllegalArgumentException if neither or both of {@code delay} and {@code percentile} are given, or a
     *     value is out of its range
     */
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
