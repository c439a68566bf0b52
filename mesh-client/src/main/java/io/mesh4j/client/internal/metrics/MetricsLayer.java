package io.mesh4j.client.internal.metrics;

import java.util.List;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.logging.RequestLog;

import io.mesh4j.client.internal.stack.FusedClientLayer;
import io.mesh4j.core.classify.ResponseClass;
import io.mesh4j.core.classify.ResponseClassifier;
import io.mesh4j.core.internal.grpc.GrpcStatuses;
import io.mesh4j.core.internal.stack.Exchange;
import io.mesh4j.core.internal.stack.Interceptor;
import io.mesh4j.core.internal.summary.Summaries;
import io.mesh4j.core.internal.tap.MemberTap;
import io.mesh4j.core.internal.tap.TapPaths;
import io.mesh4j.core.internal.tap.TapRecord;
import io.mesh4j.core.internal.telemetry.MeshMetrics;
import io.mesh4j.core.internal.telemetry.TelemetryAccess;
import io.mesh4j.core.stack.ClientRoles;
import io.mesh4j.core.stack.CommonParams;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.core.telemetry.MeshTelemetry;

/**
 * Records every outbound call as its caller saw it, retries included: count and latency by called service, route,
 * method, status and outcome (the shared {@link ResponseClassifier}'s judgement of the final answer) in
 * {@code mesh_client_requests_seconds}, and the attempts beyond the first in {@code mesh_client_retries_total}.
 *
 * <p>The route is the template the call names with {@link MeshTelemetry#ROUTE}, or {@value MeshMetrics#UNMATCHED}:
 * a client does not know its callee's routes, and raw paths never become labels.
 *
 * <p>While a tap is open on the caller's service, the same completion is offered to it ({@link MemberTap}), with
 * how many attempts the call took: no second per-request hook.
 */
public final class MetricsLayer extends FusedClientLayer {

    public MetricsLayer() {
        super(ClientRoles.METRICS);
    }

    @Override
    public Interceptor<ClientRequestContext> interceptor(StackParams params) {
        final String service = params.get(CommonParams.SERVICE).value();
        final MeshMetrics metrics = TelemetryAccess.METRICS.get(params.get(MeshTelemetry.KEY));
        return new CallMetrics(params.get(Summaries.CALLER), service, metrics);
    }

    private static final class CallMetrics implements Interceptor<ClientRequestContext> {

        private final String caller;
        private final String service;
        private final MeshMetrics metrics;
        /** This edge's series, found without a key built per call. */
        private final MeshMetrics.ClientCalls calls;

        CallMetrics(String caller, String service, MeshMetrics metrics) {
            this.caller = caller;
            this.service = service;
            this.metrics = metrics;
            calls = metrics.clientCalls(caller, service);
        }

        @Override
        public @Nullable HttpResponse onRequest(ClientRequestContext ctx, Exchange<ClientRequestContext> exchange) {
            return null;
        }

        @Override
        public void onComplete(ClientRequestContext ctx, RequestLog log, Exchange<ClientRequestContext> exchange) {
            final @Nullable String template = ctx.attr(MeshTelemetry.ROUTE);
            final String route = template != null ? template : MeshMetrics.UNMATCHED;
            final ResponseClass outcome = exchange.outcome(log);
            calls.record(route, ctx.method(), log.responseHeaders().status().code(), outcome, log.totalDurationNanos());
            metrics.clientRetries(caller, service, route, log.children().size() - 1);
            final int grpcStatus = GrpcStatuses.of(log);
            if (grpcStatus >= 0) {
                metrics.clientGrpcResponse(service, route, grpcStatus);
            }
            // One volatile read while nobody taps the caller's service; the record holds no header, query or body.
            final MemberTap tap = metrics.tap();
            if (tap.isOpen()) {
                tap.offer(new TapRecord(
                        System.currentTimeMillis(),
                        false,
                        caller,
                        service,
                        ctx.method().name(),
                        TapPaths.of(ctx.path()),
                        log.responseHeaders().status().code(),
                        grpcStatus,
                        log.totalDurationNanos() / 1_000,
                        Math.max(1, log.children().size()),
                        List.of()));
            }
        }

        @Override
        public String toString() {
            return "CallMetrics(" + service + ')';
        }
    }
}
