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
 * <pre>{@code
 * RouteRule canary = RouteRule.builder("orders-canary")
 *         .match(new RouteMatch(PathMatch.of(PathMatch.Kind.PREFIX, "/orders"), Set.of(), Map.of()))
 *         .split(List.of(new WeightedSubset(new Subset(Map.of("version", "v1")), 90),
 *                        new WeightedSubset(new Subset(Map.of("version", "v2")), 10)), Subset.ALL)
 *         .timeout(Duration.ofSeconds(2))
 *         .build();
 * }</pre>
 *
 * @param name the rule's name, unique in its route config; metrics and messages name the rule by it
 * @param match the requests the rule is for; {@link RouteMatch#ALL} for every request
 * @param split    where the requests go, by weight in percent summing to 100; empty for every instance
 * @param fallback where they go when the subset a request drew has no instance now; none means 503
 * @param timeout the longest a whole call may take, its retries included (client), or the handler's work
 *     (server), {@code > 0}; {@code null} to keep the default
 * @param perAttemptTimeout the longest one attempt may take, {@code > 0} and at most {@code timeout};
 *     {@code null} for no bound but the call's
 * @param retry how calls are retried; {@code null} to keep the client's default
 * @param hedge how calls are hedged; {@code null} for no hedging
 * @param fault faults to inject; {@code null} for none
 * @param rateLimit the rate limit in each instance of the service; {@code null} for none
 * @param concurrencyLimit the most requests in flight at once in each instance, {@code > 0}; {@code null} for no
 *     limit
 * @param outlier when an endpoint of the service is ejected; {@code null} to keep the client's breaker config
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

    /**
     * Checks the components and copies {@code split}.
     *
     * @param name see {@link #name()}
     * @param match see {@link #match()}
     * @param split see {@link #split()}
     * @param fallback see {@link #fallback()}
     * @param timeout see {@link #timeout()}
     * @param perAttemptTimeout see {@link #perAttemptTimeout()}
     * @param retry see {@link #retry()}
     * @param hedge see {@link #hedge()}
     * @param fault see {@link #fault()}
     * @param rateLimit see {@link #rateLimit()}
     * @param concurrencyLimit see {@link #concurrencyLimit()}
     * @param outlier see {@link #outlier()}
     * @throws NullPointerException if {@code name}, {@code match} or {@code split} is {@code null}
     * @throws IllegalArgumentException if the split's weights do not sum to 100, a timeout is not {@code > 0}, the
     *     per-attempt timeout is longer than the timeout, or the concurrency limit is not {@code > 0}
     */
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

    /**
     * Returns a builder of a rule that matches every request and sets nothing until told.
     *
     * @param name the rule's name
     * @return a new builder
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * This rule laid over {@code lower}: each part this rule sets, else the part {@code lower} sets. The name and
     * the match are this rule's. A per-attempt timeout longer than the merged total timeout is cut to it, since
     * the two may come from different places (the registry's timeout, an annotation's per-attempt timeout).
     * The split and its fallback go together: this rule's when it has a split, else {@code lower}'s.
     *
     * @param lower the rule whose parts fill what this one leaves out
     * @return the merged rule
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

        /**
         * Sets the requests the rule is for; every request unless set.
         *
         * @param match the match
         * @return this builder
         */
        public Builder match(RouteMatch match) {
            this.match = requireNonNull(match, "match");
            return this;
        }

        /**
         * Sets where the requests go, by weight, and where when the drawn subset has no instance; every instance
         * unless set.
         *
         * @param split the shares, weights summing to 100; empty for every instance
         * @param fallback the subset to use when the drawn one has no instance now; {@code null} to answer 503
         * @return this builder
         */
        public Builder split(List<WeightedSubset> split, @Nullable Subset fallback) {
            this.split = requireNonNull(split, "split");
            this.fallback = fallback;
            return this;
        }

        /**
         * Sets the longest a whole call (client) or the handler's work (server) may take.
         *
         * @param timeout the timeout, {@code > 0}
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            this.timeout = requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Sets the longest one attempt may take.
         *
         * @param perAttemptTimeout the timeout, {@code > 0} and at most the rule's timeout
         * @return this builder
         */
        public Builder perAttemptTimeout(Duration perAttemptTimeout) {
            this.perAttemptTimeout = requireNonNull(perAttemptTimeout, "perAttemptTimeout");
            return this;
        }

        /**
         * Sets how calls are retried.
         *
         * @param retry the retry policy
         * @return this builder
         */
        public Builder retry(RetrySpec retry) {
            this.retry = requireNonNull(retry, "retry");
            return this;
        }

        /**
         * Sets how calls are hedged.
         *
         * @param hedge the hedging
         * @return this builder
         */
        public Builder hedge(HedgeSpec hedge) {
            this.hedge = requireNonNull(hedge, "hedge");
            return this;
        }

        /**
         * Sets the faults to inject.
         *
         * @param fault the faults
         * @return this builder
         */
        public Builder fault(FaultSpec fault) {
            this.fault = requireNonNull(fault, "fault");
            return this;
        }

        /**
         * Sets the rate limit in each instance.
         *
         * @param rateLimit the rate limit
         * @return this builder
         */
        public Builder rateLimit(RateLimitSpec rateLimit) {
            this.rateLimit = requireNonNull(rateLimit, "rateLimit");
            return this;
        }

        /**
         * Sets the most requests in flight at once in each instance.
         *
         * @param concurrencyLimit the limit, {@code > 0} (checked by {@link #build()})
         * @return this builder
         */
        public Builder concurrencyLimit(int concurrencyLimit) {
            this.concurrencyLimit = concurrencyLimit;
            return this;
        }

        /**
         * Sets when an endpoint of the service is ejected.
         *
         * @param outlier the thresholds
         * @return this builder
         */
        public Builder outlier(OutlierSpec outlier) {
            this.outlier = requireNonNull(outlier, "outlier");
            return this;
        }

        /**
         * Returns the rule.
         *
         * @return a new rule
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
