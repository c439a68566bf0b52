package io.mesh4j.client.internal.retry;

import java.util.function.Function;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.SimpleDecoratingHttpClient;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.logging.RequestLogAccess;

import io.mesh4j.client.balancer.EndpointAvailability;
import io.mesh4j.client.internal.routing.RouteDecision;
import io.mesh4j.client.internal.stack.CallState;
import io.mesh4j.client.policy.ClientPolicies;
import io.mesh4j.core.classify.ResponseClassifier;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.telemetry.MeshMetrics;
import io.mesh4j.core.internal.telemetry.TelemetryAccess;
import io.mesh4j.core.stack.AbstractLayer;
import io.mesh4j.core.stack.ClientRoles;
import io.mesh4j.core.stack.CommonParams;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.netty.util.AttributeKey;

/**
 * Retries what the shared {@link ResponseClassifier} calls a retryable failure, each retry on an endpoint the
 * balancer picks afresh, with full-jitter backoff, within the call's deadline and the service's
 * {@link RetryBudget}.
 *
 * <p>The mesh's own loop ({@link RetriedCall}) rather than Armeria's {@code RetryingClient}, because the latter
 * paid for a retry on every call, retried or not: it read the request and the response whole, derived a context
 * and a child log for the first attempt, copied its headers and chained futures on its log; about 10 KB and a
 * sixth of the throughput at load (BENCHMARKS.md, issue 12). Here the first attempt goes on the call's own
 * context, and a retry alone pays for a derived context.
 *
 * <p>The response is held whole before it is handed on, so that a connection that dies in the middle of it is one
 * more retryable failure rather than a broken call; up to the client's {@code maxResponseLength}. A call that
 * streams its response (server-sent events, a download) says so with {@link #STREAMING} or an
 * {@code Accept: text/event-stream} header, and is then retried only on what its headers say.
 *
 * <p>An attempt of an idempotent call that takes several times the service's recent p99 is cut and retried, when
 * neither the policy nor the route sets a per-attempt timeout: see {@link AttemptTimeouts}. A spent budget hands
 * the caller the last real answer (the 503, the refused connection), never an exception of the budget's own.
 */
public final class RetryLayer extends AbstractLayer<HttpClient> {

    /**
     * Set to {@code true} on a call whose response must reach the caller as it arrives:
     * {@code client.prepare().get("/events").attr(RetryLayer.STREAMING, true)}.
     */
    public static final AttributeKey<Boolean> STREAMING = AttributeKey.valueOf(RetryLayer.class, "STREAMING");

    /**
     * Set to {@code true} on a call whose request and response both stream, such as a gRPC streaming method: it goes
     * as one attempt, passed through without the retry loop, which would keep the whole request to replay it. Such a
     * call is {@linkplain #isStreaming streaming} too: never hedged, never cut per attempt.
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
        // while another one is.
        final EndpointAvailability availability = params.get(EndpointAvailability.KEY);
        final RetryPlan.Plans plans = new RetryPlan.Plans(classifier);
        final AttemptTimeouts timeouts = new AttemptTimeouts(latencies, budget, classifier);
        final Runnable onExhausted = () -> metrics.retryBudgetExhausted(service.value());
        return delegate ->
                new Loop(delegate, service, policies, plans, budget, latencies, timeouts, availability, onExhausted);
    }

    /**
     * Whether the call's response goes to the caller as it arrives ({@link #STREAMING}, or server-sent events):
     * such a call is neither buffered for a retry nor hedged.
     */
    public static boolean isStreaming(ClientRequestContext ctx) {
        return Boolean.TRUE.equals(ctx.attr(ONE_ATTEMPT)) || streamsItsResponse(ctx);
    }

    /** As {@link #isStreaming}, for a call known not to be {@link #ONE_ATTEMPT}: one attribute lookup fewer. */
    private static boolean streamsItsResponse(ClientRequestContext ctx) {
        if (Boolean.TRUE.equals(ctx.attr(STREAMING))) {
            return true;
        }
        final String accept = ctx.request() != null ? ctx.request().headers().get(HttpHeaderNames.ACCEPT) : null;
        return accept != null && accept.contains("text/event-stream");
    }

    /**
     * The log of the last attempt the retry loop made of the call on {@code ctx} (a hedge, for HEDGE): a child of the
     * log of the call above it; {@code ctx}'s own log when no loop ran it.
     */
    public static RequestLogAccess lastAttemptLog(ClientRequestContext ctx) {
        return CallState.completionOn(ctx) instanceof RetriedCall retried ? retried.lastAttemptLog() : ctx.log();
    }

    /** Stops the call on {@code ctx} (a hedge that lost): no further retry, its attempt in flight cancelled. */
    public static void cancel(ClientRequestContext ctx) {
        if (CallState.completionOn(ctx) instanceof RetriedCall retried) {
            retried.cancel();
        } else {
            ctx.cancel();
        }
    }

    /**
     * Deposits every call, not every attempt, into the budget (retries are a share of calls), then runs the call's
     * attempts. A call of {@link #ONE_ATTEMPT} goes straight to the layers below, as one attempt.
     */
    static final class Loop extends SimpleDecoratingHttpClient {

        private final ServiceName service;
        private final ClientPolicies policies;
        private final RetryPlan.Plans plans;
        final RetryBudget budget;
        final AttemptLatencies latencies;
        final AttemptTimeouts timeouts;
        /** The clock of the attempts the adaptive timeout cuts: one timer for all of them. */
        final AttemptCuts cuts = new AttemptCuts();

        final EndpointAvailability availability;
        final Runnable onExhausted;

        Loop(
                HttpClient delegate,
                ServiceName service,
                ClientPolicies policies,
                RetryPlan.Plans plans,
                RetryBudget budget,
                AttemptLatencies latencies,
                AttemptTimeouts timeouts,
                EndpointAvailability availability,
                Runnable onExhausted) {
            super(delegate);
            this.service = service;
            this.policies = policies;
            this.plans = plans;
            this.budget = budget;
            this.latencies = latencies;
            this.timeouts = timeouts;
            this.availability = availability;
            this.onExhausted = onExhausted;
        }

        HttpClient next() {
            return (HttpClient) unwrap();
        }

        @Override
        public HttpResponse execute(ClientRequestContext ctx, HttpRequest req) throws Exception {
            budget.deposit();
            if (Boolean.TRUE.equals(ctx.attr(ONE_ATTEMPT))) {
                return unwrap().execute(ctx, req);
            }
            // The route's rule (the registry's, over the typed client's annotations) over the policy.
            final RetryPlan plan = plans.of(policies.policyFor(service).retry(), RouteDecision.ruleOf(ctx));
            return new RetriedCall(this, ctx, plan, streamsItsResponse(ctx)).start(req);
        }

        @Override
        public String toString() {
            return "RetryLoop(" + service + ')';
        }
    }
}
