package io.mesh4j.client.internal.retry;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.client.balancer.EndpointAvailability;
import io.mesh4j.client.retry.RetryConfig;
import io.mesh4j.core.classify.ResponseClassifier;
import io.mesh4j.core.internal.backoff.FullJitterBackoff;
import io.mesh4j.core.routing.RetrySpec;

/**
 * Turns the mesh's {@link RetryConfig}, with the route's retry rule over it, into Armeria's, once per pair
 * rather than once per request: policies and pushes change rarely, calls often.
 */
final class ArmeriaRetryConfigs {

    private final ResponseClassifier classifier;
    private final RetryBudget budget;
    private final AttemptLatencies latencies;
    private final EndpointAvailability availability;
    private final Runnable onExhausted;

    /** The client's policy (by identity), and what the route's rule sets over it (by value). */
    private record Key(
            RetryConfig base,
            @Nullable RetrySpec spec,
            @Nullable Duration perAttemptTimeout) {}

    private final Cache<Key, Converted> converted =
            Caffeine.newBuilder().maximumSize(256).build();

    ArmeriaRetryConfigs(
            ResponseClassifier classifier,
            RetryBudget budget,
            AttemptLatencies latencies,
            EndpointAvailability availability,
            Runnable onExhausted) {
        this.classifier = classifier;
        this.budget = budget;
        this.latencies = latencies;
        this.availability = availability;
        this.onExhausted = onExhausted;
    }

    /**
     * @param streaming whether the response goes to the caller as it arrives (a retry is then decided at its
     *                  headers) rather than whole (a failure anywhere in it can be retried)
     */
    com.linecorp.armeria.client.retry.RetryConfig<HttpResponse> of(
            RetryConfig base, @Nullable RetrySpec spec, @Nullable Duration perAttemptTimeout, boolean streaming) {
        final Converted converted = this.converted.get(new Key(base, spec, perAttemptTimeout), this::convert);
        return streaming ? converted.streaming : converted.buffered;
    }

    private Converted convert(Key key) {
        RetryConfig config = key.base();
        ResponseClassifier classifier = this.classifier;
        if (key.spec() != null || key.perAttemptTimeout() != null) {
            final RetryConfig.Builder builder = config.toBuilder();
            if (key.spec() != null) {
                builder.maxAttempts(key.spec().attempts())
                        .backoff(key.spec().backoffBase(), key.spec().backoffCap());
                classifier = new RetryOnClassifier(key.spec().on(), classifier);
            }
            if (key.perAttemptTimeout() != null) {
                builder.perAttemptTimeout(key.perAttemptTimeout());
            }
            config = builder.build();
        }
        final FullJitterBackoff backoff = FullJitterBackoff.of(config.backoffBase(), config.backoffCap());
        final int maxAttempts = config.maxAttempts();
        return new Converted(
                build(config, rule(classifier, maxAttempts, backoff, true)),
                build(config, rule(classifier, maxAttempts, backoff, false)));
    }

    private BudgetedRetryRule rule(
            ResponseClassifier classifier, int maxAttempts, FullJitterBackoff backoff, boolean buffered) {
        return new BudgetedRetryRule(
                classifier, budget, latencies, availability, maxAttempts, backoff, buffered, onExhausted);
    }

    private static com.linecorp.armeria.client.retry.RetryConfig<HttpResponse> build(
            RetryConfig config, BudgetedRetryRule rule) {
        return com.linecorp.armeria.client.retry.RetryConfig.builder(rule)
                // Room for the requeues of attempts never sent; the rule holds the real ones to maxAttempts.
                .maxTotalAttempts(config.maxAttempts() + BudgetedRetryRule.MAX_REQUEUES)
                .responseTimeoutMillisForEachAttempt(config.perAttemptTimeout().toMillis())
                .build();
    }

    private static final class Converted {
        final com.linecorp.armeria.client.retry.RetryConfig<HttpResponse> buffered;
        final com.linecorp.armeria.client.retry.RetryConfig<HttpResponse> streaming;

        Converted(
                com.linecorp.armeria.client.retry.RetryConfig<HttpResponse> buffered,
                com.linecorp.armeria.client.retry.RetryConfig<HttpResponse> streaming) {
            this.buffered = buffered;
            this.streaming = streaming;
        }
    }
}
