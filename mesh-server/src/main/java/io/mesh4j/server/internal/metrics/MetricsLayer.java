package io.mesh4j.server.internal.metrics;

import java.util.List;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.mesh4j.core.classify.ResponseClass;
import io.mesh4j.core.classify.ResponseClassifier;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.grpc.GrpcStatuses;
import io.mesh4j.core.internal.stack.Exchange;
import io.mesh4j.core.internal.stack.Interceptor;
import io.mesh4j.core.internal.tap.MemberTap;
import io.mesh4j.core.internal.tap.TapPaths;
import io.mesh4j.core.internal.tap.TapRecord;
import io.mesh4j.core.internal.telemetry.MeshMetrics;
import io.mesh4j.core.internal.telemetry.RouteTemplates;
import io.mesh4j.core.internal.telemetry.TelemetryAccess;
import io.mesh4j.core.stack.CommonParams;
import io.mesh4j.core.stack.ServerRoles;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.server.internal.stack.FusedServiceLayer;

/**
 * Records every inbound request once its response is complete: count and latency by route template, method,
 * status, outcome (the shared {@link ResponseClassifier}'s judgement) and peer, in
 * {@code mesh_server_requests_seconds}.
 *
 * <p>The peer is the caller's verified identity when a layer has set {@link MeshTelemetry#PEER}, else the service
 * its mesh client says it calls from ({@value MeshTelemetry#CALLER_HEADER}), else {@value MeshMetrics#UNKNOWN}.
 * A path no route matched counts under {@value MeshMetrics#UNMATCHED}: labels never hold raw paths.
 *
 * <p>While a tap is open on the service, the same completion is offered to it ({@link MemberTap}) with its raw
 * path, without query, headers or body: no second per-request hook.
 */
public final class MetricsLayer extends FusedServiceLayer {

    public MetricsLayer() {
        super(ServerRoles.METRICS);
    }

    @Override
    public Interceptor<ServiceRequestContext> interceptor(StackParams params) {
        final String service = params.get(CommonParams.SERVICE).value();
        final MeshMetrics metrics = TelemetryAccess.METRICS.get(params.get(MeshTelemetry.KEY));
        return new RequestMetrics(service, metrics);
    }

    private static final class RequestMetrics implements Interceptor<ServiceRequestContext> {

        private final String service;
        private final MeshMetrics metrics;

        RequestMetrics(String service, MeshMetrics metrics) {
            this.service = service;
            this.metrics = metrics;
        }

        @Override
        public @Nullable HttpResponse onRequest(ServiceRequestContext ctx, Exchange<ServiceRequestContext> exchange) {
            ctx.setAttr(MeshTelemetry.LOCAL_SERVICE, service);
            exchange.keep(exchange.header(MeshTelemetry.CALLER_HEADER));
            return null;
        }

        @Override
        public void onComplete(ServiceRequestContext ctx, RequestLog log, Exchange<ServiceRequestContext> exchange) {
            final @Nullable String caller = exchange.kept();
            final ResponseClass outcome = exchange.outcome(log);
            final String route = RouteTemplates.labelOf(ctx);
            metrics.serverRequest(
                    service,
                    route,
                    ctx.method(),
                    log.responseHeaders().status().code(),
                    outcome,
                    peerOf(ctx, caller),
                    log.totalDurationNanos());
            final int grpcStatus = GrpcStatuses.of(log);
            if (grpcStatus >= 0) {
                metrics.serverGrpcResponse(service, route, grpcStatus);
            }
            // One volatile read while nobody taps; the record holds no header, query or body.
            final MemberTap tap = metrics.tap();
            if (tap.isOpen()) {
                tap.offer(new TapRecord(
                        System.currentTimeMillis(),
                        true,
                        peerOf(ctx, caller),
                        service,
                        ctx.method().name(),
                        TapPaths.of(ctx.path()),
                        log.responseHeaders().status().code(),
                        grpcStatus,
                        log.totalDurationNanos() / 1_000,
                        0,
                        List.of()));
            }
        }

        @Override
        public String toString() {
            return "RequestMetrics(" + service + ')';
        }

        private static String peerOf(ServiceRequestContext ctx, @Nullable String caller) {
            final @Nullable String verified = ctx.attr(MeshTelemetry.PEER);
            if (verified != null) {
                return verified;
            }
            if (caller == null) {
                return MeshMetrics.UNKNOWN;
            }
            try {
                return ServiceName.of(caller).value();
            } catch (IllegalArgumentException e) {
                return MeshMetrics.UNKNOWN;
            }
        }
    }
}
