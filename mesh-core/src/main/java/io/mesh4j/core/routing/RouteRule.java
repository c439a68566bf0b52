package io.mesh4j.core.routing;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * One rule of a route config: the requests it matches, and what happens to them. Every part but the match is
 * optional; what a rule leaves out keeps its default.
 *
 * @param split    where the requests go, by weight in percent summing to 100; empty for every instance
 * @param fallback where they go when the subset a request drew has no instance now; none means 503
 */
public record RouteRule(String name, RouteMatch match, List<WeightedSubset> split, @Nullable Subset fallback,
                        @Nullable Duration timeout, @Nullable Duration perAttemptTimeout,
                        @Nullable RetrySpec retry, @Nullable HedgeSpec hedge, @Nullable FaultSpec fault,
                        @Nullable RateLimitSpec rateLimit, @Nullable Integer concurrencyLimit,
                        @Nullable OutlierSpec outlier) {

    public RouteRule {
        requireNonNull(name, "name");
        requireNonNull(match, "match");
        split = List.copyOf(requireNonNull(split, "split"));
        if (!split.isEmpty()) {
            final int sum = split.stream().mapToInt(WeightedSubset::weight).sum();
            if (sum != 100) {
                throw new IllegalArgumentException("route: the weights sum to " + sum + " (expected: 100)");
            }
        }
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("timeout: " + timeout.toMillis() + "ms (expected: > 0)");
        }
        if (perAttemptTimeout != null && (perAttemptTimeout.isNegative() || perAttemptTimeout.isZero())) {
            throw new IllegalArgumentException("perAttemptTimeout: " + perAttemptTimeout.toMillis()
                                               + "ms (expected: > 0)");
        }
        if (timeout != null && perAttemptTimeout != null && perAttemptTimeout.compareTo(timeout) > 0) {
            throw new IllegalArgumentException("perAttemptTimeout: " + perAttemptTimeout.toMillis() + "ms is longer "
                                               + "than timeout " + timeout.toMillis() + "ms (expected: at most the "
                                               + "timeout of the whole call)");
        }
        if (concurrencyLimit != null && concurrencyLimit < 1) {
            throw new IllegalArgumentException("concurrencyLimit: " + concurrencyLimit + " (expected: > 0)");
        }
    }
}
