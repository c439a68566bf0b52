package io.mesh4j.client.internal.retry;

import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.SimpleDecoratingHttpClient;
import com.linecorp.armeria.client.retry.RetryConfigMapping;
import com.linecorp.armeria.client.retry.RetryingClient;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.client.balancer.EndpointAvailability;
import io.mesh4j.client.internal.routing.RouteDecision;
import io.mesh4j.client.policy.ClientPolicies;
import io.mesh4j.core.classify.ResponseClassifier;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.telemetry.MeshMetrics;
import io.mesh4j.core.internal.telemetry.TelemetryAccess;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.core.stack.AbstractLayer;
import io.mesh4j.core.stack.ClientRoles;
import io.mesh4j.core.stack.CommonParams;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.netty.util.AttributeKey;

/**
 * Retries what the shared {@link ResponseClassifier} calls a retryable failure, each attempt on an endpoint the
 * balancer picks afresh, with full-jitter backoff, within the call's deadline and the service's
 * {@link RetryBudget}.
 *
 * <p>The response is received whole before it is handed on, so that a connection that dies in the middle of
 * it is one more retryable failure rather than a broken call; up to the client's {@code maxResponseLength}.
 * A call that streams its response (server-sent events, a download) says so with {@link #STREAMING} or an
 * {@code Accept: text/event-stream} header, and is then retried only on what its headers say.
 *
 * <p>An attempt of an idempotent call that takes several times the service's recent p99 is cut and retried, when
 * neither the policy nor the route sets a per-attempt timeout: see {@link AttemptTimeoutClient}.
 *
 * <p>Built on Armeria's {@link RetryingClient}, which re-selects the endpoint per attempt and splits the
 * deadline among attempts. The budget is checked in the retry rule rather than through Armeria's
 * {@code RetryLimiter}, because a limiter that refuses fails the call with its own exception, where a spent
 * budget should hand the caller the last real answer (the 503, the refused connection).
 */
public final class RetryLayer extends AbstractLayer<HttpClient> {

    /**
     * Set to {@code true} on a call whose response must reach the caller as it arrives:
     * {@code client.prepare().get("/events").attr(RetryLayer.STREAMING, true)}.
     */
    public static final AttributeKey<Boolean> STREAMING = AttributeKey.valueOf(RetryLayer.class, "STREAMING");

    /**
     * Set to {@code true} on a call whose request and response both stream, such as a gRPC streaming method: it goes
     * as one attempt, passed through without Armeria's retrying client, which would keep the whole request to
     * replay it. Such a call is {@linkplain #isStreaming streaming} too: never hedged, never cut per attempt.
     */
    public static final AttributeKey<Boolean> ONE_ATTEMPT = AttributeKey.valueOf(RetryLayer.class, "ONE_ATTEMPT");

    public RetryLayer() {
        super(ClientRoles.RETRY);
    }

    @Override
    public Function<? super HttpClient, ? extends HttpClient> decorator(StackParams params) {
        final ServiceName service = params.get(CommonParams.SERVICE);
        final ClientPolicies policies = params.get(ClientPolicies.KEY);
        final ResponseClassifier classifier = params.get(CommonParams.CLASSIFIER);
        // One budget per service client, shared with HEDGE: it counts this client's calls to this service.
        final RetryBudget budget = params.get(RetryBudget.KEY);
        final MeshMetrics metrics = TelemetryAccess.METRICS.get(params.get(MeshTelemetry.KEY));
        // The service's answered attempts, learnt where each is classified, set the attempt timeout that moves a
        // call off an instance that stopped answering.
        final AttemptLatencies latencies = new AttemptLatencies();
        // Which endpoints the breakers would let an attempt through to: an attempt never sent is requeued only
        // while another one is (BudgetedRetryRule).
        final EndpointAvailability availability = params.get(EndpointAvailability.KEY);
        final ArmeriaRetryConfigs configs = new ArmeriaRetryConfigs(
                classifier, budget, latencies, availability, () -> metrics.retryBudgetExhausted(service.value()));
        final RetryConfigMapping<HttpResponse> perRequest = (ctx, req) -> {
            // The route's rule (the registry's, over the typed client's annotations) over the policy.
            final @Nullable RouteRule rule = RouteDecision.ruleOf(ctx);
            return configs.of(
                    policies.policyFor(service).retry(),
                    rule != null ? rule.retry() : null,
                    rule != null ? rule.perAttemptTimeout() : null,
                    isStreaming(ctx));
        };
        return delegate -> new BudgetDepositingClient(
                RetryingClient.builderWithMapping(perRequest)
                        .build(new AttemptTimeoutClient(delegate, service, policies, classifier, budget, latencies)),
                delegate,
                budget);
    }

    /**
     * Whether the call's response goes to the caller as it arrives ({@link #STREAMING}, or server-sent events):
     * such a call is neither buffered for a retry nor hedged.
     */
    public static boolean isStreaming(ClientRequestContext ctx) {
        if (Boolean.TRUE.equals(ctx.attr(STREAMING)) || Boolean.TRUE.equals(ctx.attr(ONE_ATTEMPT))) {
            return true;
        }
        final String accept = ctx.request() != null ? ctx.request().headers().get(HttpHeaderNames.ACCEPT) : null;
        return accept != null && accept.contains("text/event-stream");
    }

    /**
     * Deposits every call, not every attempt, into the budget: retries are a share of calls. A call of
     * {@link #ONE_ATTEMPT} goes straight to the layers below, as one attempt.
     */
    private static final class BudgetDepositingClient extends SimpleDecoratingHttpClient {

        private final HttpClient oneAttempt;
        private final RetryBudget budget;

        BudgetDepositingClient(HttpClient retrying, HttpClient oneAttempt, RetryBudget budget) {
            super(retrying);
            this.oneAttempt = oneAttempt;
            this.budget = budget;
        }

        @Override
        public HttpResponse execute(ClientRequestContext ctx, HttpRequest req) throws Exception {
            budget.deposit();
            if (Boolean.TRUE.equals(ctx.attr(ONE_ATTEMPT))) {
                return oneAttempt.execute(ctx, req);
            }
            return unwrap().execute(ctx, req);
        }
    }
}
