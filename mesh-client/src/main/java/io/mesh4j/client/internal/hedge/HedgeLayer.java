package io.mesh4j.client.internal.hedge;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.SimpleDecoratingHttpClient;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.client.internal.retry.RetryBudget;
import io.mesh4j.client.internal.retry.RetryLayer;
import io.mesh4j.client.internal.routing.RouteDecision;
import io.mesh4j.core.classify.ResponseClassifier;
import io.mesh4j.core.routing.HedgeSpec;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.core.stack.AbstractLayer;
import io.mesh4j.core.stack.ClientRoles;
import io.mesh4j.core.stack.CommonParams;
import io.mesh4j.core.stack.StackParams;

/**
 * Hedges the calls whose route rule says so: when the call has not answered after the rule's delay (or the
 * route's recent latency at the rule's percentile), another attempt goes to another endpoint, up to the rule's
 * {@code maxAttempts} in flight; the first good answer wins and the others are cancelled. Every hedge is paid
 * from the service's retry budget, so that hedging cannot multiply the load on a service that is slow for
 * everyone. Calls that stream their response are not hedged.
 */
public final class HedgeLayer extends AbstractLayer<HttpClient> {

    public HedgeLayer() {
        super(ClientRoles.HEDGE);
    }

    @Override
    public Function<? super HttpClient, ? extends HttpClient> decorator(StackParams params) {
        final RetryBudget budget = params.get(RetryBudget.KEY);
        final ResponseClassifier classifier = params.get(CommonParams.CLASSIFIER);
        final Map<String, RecentLatencies> latencies = new ConcurrentHashMap<>();
        return delegate -> new HedgingClient(delegate, budget, classifier, latencies);
    }

    private static final class HedgingClient extends SimpleDecoratingHttpClient {

        private final RetryBudget budget;
        private final ResponseClassifier classifier;
        private final Map<String, RecentLatencies> latencies;

        HedgingClient(
                HttpClient delegate,
                RetryBudget budget,
                ResponseClassifier classifier,
                Map<String, RecentLatencies> latencies) {
            super(delegate);
            this.budget = budget;
            this.classifier = classifier;
            this.latencies = latencies;
        }

        @Override
        public HttpResponse execute(ClientRequestContext ctx, HttpRequest req) throws Exception {
            final @Nullable RouteRule rule = RouteDecision.ruleOf(ctx);
            final @Nullable HedgeSpec spec = rule != null ? rule.hedge() : null;
            if (rule == null || spec == null || RetryLayer.isStreaming(ctx)) {
                return unwrap().execute(ctx, req);
            }
            final RecentLatencies recent = latencies.computeIfAbsent(rule.name(), unused -> new RecentLatencies());
            ctx.log().whenComplete().thenAccept(log -> recent.record(log.totalDurationNanos()));
            // A hedge spec has a delay or a percentile, never neither.
            final @Nullable Duration delay =
                    spec.delay() != null ? spec.delay() : recent.percentile(requireNonNull(spec.percentile()));
            if (delay == null) {
                // Too few calls yet to know the route's tail: this one only teaches it.
                return unwrap().execute(ctx, req);
            }
            return new HedgedCall((HttpClient) unwrap(), ctx, req, delay, spec.maxAttempts(), budget, classifier)
                    .start();
        }
    }
}
