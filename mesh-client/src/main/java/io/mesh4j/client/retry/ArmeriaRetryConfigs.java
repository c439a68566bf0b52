package io.mesh4j.client.retry;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.core.backoff.FullJitterBackoff;
import io.mesh4j.core.classify.ResponseClassifier;

/**
 * Turns the mesh's {@link RetryConfig} into Armeria's, once per config rather than once per request: the
 * policy changes rarely, calls often.
 */
final class ArmeriaRetryConfigs {

    private final ResponseClassifier classifier;
    private final RetryBudget budget;
    private final Runnable onExhausted;

    private volatile @Nullable Converted last;

    ArmeriaRetryConfigs(ResponseClassifier classifier, RetryBudget budget, Runnable onExhausted) {
        this.classifier = classifier;
        this.budget = budget;
        this.onExhausted = onExhausted;
    }

    /**
     * @param streaming whether the response goes to the caller as it arrives (a retry is then decided at its
     *                  headers) rather than whole (a failure anywhere in it can be retried)
     */
    com.linecorp.armeria.client.retry.RetryConfig<HttpResponse> of(RetryConfig config, boolean streaming) {
        Converted last = this.last;
        if (last == null || last.source != config) {
            last = convert(config);
            this.last = last;
        }
        return streaming ? last.streaming : last.buffered;
    }

    private Converted convert(RetryConfig config) {
        final FullJitterBackoff backoff = FullJitterBackoff.of(config.backoffBase(), config.backoffCap());
        return new Converted(config, build(config, new BudgetedRetryRule(classifier, budget, backoff, true, onExhausted)),
                             build(config, new BudgetedRetryRule(classifier, budget, backoff, false, onExhausted)));
    }

    private static com.linecorp.armeria.client.retry.RetryConfig<HttpResponse> build(RetryConfig config,
                                                                                      BudgetedRetryRule rule) {
        return com.linecorp.armeria.client.retry.RetryConfig.builder(rule)
                                                            .maxTotalAttempts(config.maxAttempts())
                                                            .responseTimeoutMillisForEachAttempt(
                                                                    config.perAttemptTimeout().toMillis())
                                                            .build();
    }

    private static final class Converted {
        final RetryConfig source;
        final com.linecorp.armeria.client.retry.RetryConfig<HttpResponse> buffered;
        final com.linecorp.armeria.client.retry.RetryConfig<HttpResponse> streaming;

        Converted(RetryConfig source, com.linecorp.armeria.client.retry.RetryConfig<HttpResponse> buffered,
                  com.linecorp.armeria.client.retry.RetryConfig<HttpResponse> streaming) {
            this.source = source;
            this.buffered = buffered;
            this.streaming = streaming;
        }
    }
}
