package io.mesh4j.core.routing;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * One rule of a route config: the requests it matches, and what happens to them. Every part but the match is
 * optional; what a rule leaves out keeps its default. Where a request's policy comes from several places, the
 * registry's rule is laid {@link #over(RouteRule) over} the annotations', which are laid over the defaults.
 *
 * @param split    where the requests go, by weight in percent summing to 100; empty for every instance
 * @param fallback where they go when the subset a request drew has no instance now; none means 503
 */
public record RouteRule(
        String name,
        RouteMatch match,
        List<WeightedSubset> split,
        @Nullable Subset fallback,
        @Nullable Duration timeout,
        @Nullable Duration perAttemptTimeout,
        @Nullable RetrySpec retry,
        @Nullable HedgeSpec hedge,
        @Nullable FaultSpec fault,
        @Nullable RateLimitSpec rateLimit,
        @Nullable Integer concurrencyLimit,
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
            throw new IllegalArgumentException(
                    "perAttemptTimeout: " + perAttemptTimeout.toMillis() + "ms (expected: > 0)");
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

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * This rule laid over {@code lower}: each part this rule sets, else the part {@code lower} sets. The name and
     * the match are this rule's. A per-attempt timeout longer than the merged total timeout is cut to it, since
     * the two may come from different places (the registry's timeout, an annotation's per-attempt timeout).
     */
    public RouteRule over(RouteRule lower) {
        requireNonNull(lower, "lower");
        final Duration timeout = first(this.timeout, lower.timeout);
        Duration perAttempt = first(perAttemptTimeout, lower.perAttemptTimeout);
        if (timeout != null && perAttempt != null && perAttempt.compareTo(timeout) > 0) {
            perAttempt = timeout;
        }
        return new RouteRule(
                name,
                match,
                split.isEmpty() ? lower.split : split,
                split.isEmpty() ? lower.fallback : fallback,
                timeout,
                perAttempt,
                first(retry, lower.retry),
                first(hedge, lower.hedge),
                first(fault, lower.fault),
                first(rateLimit, lower.rateLimit),
                first(concurrencyLimit, lower.concurrencyLimit),
                first(outlier, lower.outlier));
    }

    private static <T> @Nullable T first(@Nullable T a, @Nullable T b) {
        return a != null ? a : b;
    }

    /** Builds a rule part by part, as the annotation factories do; the record's checks run at {@link #build()}. */
    public static final class Builder {

        private final String name;
        private RouteMatch match = RouteMatch.ALL;
        private List<WeightedSubset> split = List.of();
        private @Nullable Subset fallback;
        private @Nullable Duration timeout;
        private @Nullable Duration perAttemptTimeout;
        private @Nullable RetrySpec retry;
        private @Nullable HedgeSpec hedge;
        private @Nullable FaultSpec fault;
        private @Nullable RateLimitSpec rateLimit;
        private @Nullable Integer concurrencyLimit;
        private @Nullable OutlierSpec outlier;

        Builder(String name) {
            this.name = requireNonNull(name, "name");
        }

        public Builder match(RouteMatch match) {
            this.match = requireNonNull(match, "match");
            return this;
        }

        public Builder split(List<WeightedSubset> split, @Nullable Subset fallback) {
            this.split = requireNonNull(split, "split");
            this.fallback = fallback;
            return this;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = requireNonNull(timeout, "timeout");
            return this;
        }

        public Builder perAttemptTimeout(Duration perAttemptTimeout) {
            this.perAttemptTimeout = requireNonNull(perAttemptTimeout, "perAttemptTimeout");
            return this;
        }

        public Builder retry(RetrySpec retry) {
            this.retry = requireNonNull(retry, "retry");
            return this;
        }

        public Builder hedge(HedgeSpec hedge) {
            this.hedge = requireNonNull(hedge, "hedge");
            return this;
        }

        public Builder fault(FaultSpec fault) {
            this.fault = requireNonNull(fault, "fault");
            return this;
        }

        public Builder rateLimit(RateLimitSpec rateLimit) {
            this.rateLimit = requireNonNull(rateLimit, "rateLimit");
            return this;
        }

        public Builder concurrencyLimit(int concurrencyLimit) {
            this.concurrencyLimit = concurrencyLimit;
            return this;
        }

        public Builder outlier(OutlierSpec outlier) {
            this.outlier = requireNonNull(outlier, "outlier");
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the part that is wrong
         */
        public RouteRule build() {
            return new RouteRule(
                    name,
                    match,
                    split,
                    fallback,
                    timeout,
                    perAttemptTimeout,
                    retry,
                    hedge,
                    fault,
                    rateLimit,
                    concurrencyLimit,
                    outlier);
        }
    }
}
