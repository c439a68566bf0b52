package io.mesh4j.client.internal.retry;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.mesh4j.client.retry.RetryConfig;
import io.mesh4j.core.classify.ResponseClassifier;
import io.mesh4j.core.internal.Lazy;
import io.mesh4j.core.internal.backoff.FullJitterBackoff;
import io.mesh4j.core.routing.RetrySpec;
import io.mesh4j.core.routing.RouteRule;

/**
 * What a call's retries follow: the service's {@link RetryConfig} with its route's rule over it. Resolved once per
 * policy and rule rather than per call, because policies and pushes change rarely and calls often; a call whose
 * route sets no retry rule (most) finds its plan by the policy's identity, without a lookup key.
 */
final class RetryPlan {

    final int maxAttempts;
    final FullJitterBackoff backoff;
    /** The policy's or the route's per-attempt timeout; zero when neither sets one. */
    final long perAttemptTimeoutNanos;
    /** The shared classifier, or the route's {@code retry.on} over it. */
    final ResponseClassifier classifier;
    /** Whether an idempotent attempt may be cut by the service's recent latency ({@link AttemptTimeouts}). */
    final boolean adaptive;

    private RetryPlan(RetryConfig config, ResponseClassifier classifier, boolean adaptive) {
        maxAttempts = config.maxAttempts();
        backoff = FullJitterBackoff.of(config.backoffBase(), config.backoffCap());
        perAttemptTimeoutNanos = config.perAttemptTimeout().toNanos();
        this.classifier = classifier;
        this.adaptive = adaptive;
    }

    @Override
    public String toString() {
        return "RetryPlan(maxAttempts=" + maxAttempts + ", " + backoff + ", perAttemptTimeout="
                + Duration.ofNanos(perAttemptTimeoutNanos) + ", " + classifier + ')';
    }

    /** The plans of one service client. */
    static final class Plans {

        private final ResponseClassifier classifier;
        /** The plan of the last policy seen for calls whose route sets nothing: by identity, no key per call. */
        private volatile @Nullable RetryPlan plain;

        private volatile @Nullable RetryConfig plainOf;

        /** The client's policy (by identity), and what the route's rule sets over it (by value). */
        private record Key(
                RetryConfig base,
                @Nullable RetrySpec spec,
                @Nullable Duration perAttemptTimeout) {}

        /** Made at the first call whose route sets a rule: a client without such routes loads no Caffeine. */
        private final Lazy<Cache<Key, RetryPlan>> withRules =
                Lazy.of(() -> Caffeine.newBuilder().maximumSize(256).<Key, RetryPlan>build());

        Plans(ResponseClassifier classifier) {
            this.classifier = classifier;
        }

        RetryPlan of(RetryConfig base, @Nullable RouteRule rule) {
            final @Nullable RetrySpec spec = rule != null ? rule.retry() : null;
            final @Nullable Duration perAttemptTimeout = rule != null ? rule.perAttemptTimeout() : null;
            if (spec == null && perAttemptTimeout == null) {
                final @Nullable RetryPlan cached = plain;
                if (cached != null && plainOf == base) {
                    return cached;
                }
                final RetryPlan made = new RetryPlan(
                        base,
                        classifier,
                        base.adaptivePerAttemptTimeout()
                                && base.perAttemptTimeout().isZero());
                plain = made;
                plainOf = base;
                return made;
            }
            return withRules.get().get(new Key(base, spec, perAttemptTimeout), this::convert);
        }

        private RetryPlan convert(Key key) {
            final RetryConfig.Builder builder = key.base().toBuilder();
            ResponseClassifier classifier = this.classifier;
            final @Nullable RetrySpec spec = key.spec();
            if (spec != null) {
                builder.maxAttempts(spec.attempts()).backoff(spec.backoffBase(), spec.backoffCap());
                classifier = new RetryOnClassifier(spec.on(), classifier);
            }
            if (key.perAttemptTimeout() != null) {
                builder.perAttemptTimeout(key.perAttemptTimeout());
            }
            // A route that sets a retry rule or a per-attempt timeout has said how its attempts are bounded.
            return new RetryPlan(builder.build(), classifier, false);
        }
    }
}
