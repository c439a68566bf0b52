package io.mesh4j.server.internal.metrics;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.mesh4j.core.classify.ResponseClass;
import io.mesh4j.core.classify.ResponseClassifier;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.grpc.GrpcStatuses;
import io.mesh4j.core.internal.identity.SessionPeer;
import io.mesh4j.core.internal.stack.Exchange;
import io.mesh4j.core.internal.stack.Interceptor;
import io.mesh4j.core.internal.tap.MemberTap;
import io.mesh4j.core.internal.tap.TapPaths;
import io.mesh4j.core.internal.tap.TapRecord;
import io.mesh4j.core.internal.telemetry.MeshMetrics;
import io.mesh4j.core.internal.telemetry.TelemetryAccess;
import io.mesh4j.core.stack.CommonParams;
import io.mesh4j.core.stack.ServerRoles;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.server.internal.stack.FusedServiceLayer;
import io.mesh4j.server.internal.stack.UnmatchedService;
import io.micrometer.core.instrument.Counter;

/**
 * Records every inbound request once its response is complete: count and latency by route template, method,
 * status, outcome (the shared {@link ResponseClassifier}'s judgement) and peer, in
 * {@code mesh_server_requests_seconds}.
 *
 * <p>The peer is what a layer has set in {@link MeshTelemetry#PEER}, else the caller's verified identity (the service
 * its certificate names, read once per TLS session), else the service its mesh client says it calls from
 * ({@value MeshTelemetry#CALLER_HEADER}), else {@value MeshMetrics#UNKNOWN}.
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
        /** Per route (its config, one per route): the meters its last request recorded in. */
        private final Map<ServiceConfig, RouteMeters> routes = new ConcurrentHashMap<>();

        RequestMetrics(String service, MeshMetrics metrics) {
            this.service = service;
            this.metrics = metrics;
        }

        @Override
        public @Nullable HttpResponse onRequest(ServiceRequestContext ctx, Exchange<ServiceRequestContext> exchange) {
            // Read by the mesh clients the handler calls, which name this service as their caller.
            ctx.setAttr(MeshTelemetry.LOCAL_SERVICE, service);
            return null;
        }

        @Override
        public void onComplete(ServiceRequestContext ctx, RequestLog log, Exchange<ServiceRequestContext> exchange) {
            final ResponseClass outcome = exchange.outcome(log);
            final RouteMeters meters = routes.computeIfAbsent(
                    ctx.config(),
                    config -> new RouteMeters(
                            UnmatchedService.isUnmatched(config)
                                    ? MeshMetrics.UNMATCHED
                                    : config.route().patternString()));
            final String route = meters.route;
            final HttpMethod method = ctx.method();
            final int status = log.responseHeaders().status().code();
            final String peer = peerOf(ctx);
            // Most requests of a route are of its last request's series: then no key is made and no map is searched.
            @Nullable Series last = meters.last;
            if (last == null || !last.is(method, status, outcome, peer)) {
                last = new Series(
                        method,
                        status,
                        outcome,
                        peer,
                        metrics.serverSeries(service, route, method, status, outcome, peer));
                meters.last = last;
            }
            final long nanos = log.totalDurationNanos();
            last.recorded.timer().record(nanos, TimeUnit.NANOSECONDS);
            last.recorded.cell().record(nanos, outcome == ResponseClass.SUCCESS);
            final int grpcStatus = GrpcStatuses.of(log);
            if (grpcStatus >= 0) {
                @Nullable GrpcSeries lastGrpc = meters.lastGrpc;
                if (lastGrpc == null || lastGrpc.status != grpcStatus) {
                    lastGrpc = new GrpcSeries(grpcStatus, metrics.serverGrpcCounter(service, route, grpcStatus));
                    meters.lastGrpc = lastGrpc;
                }
                lastGrpc.counter.increment();
            }
            // One volatile read while nobody taps; the record holds no header, query or body.
            final MemberTap tap = metrics.tap();
            if (tap.isOpen()) {
                tap.offer(new TapRecord(
                        System.currentTimeMillis(),
                        true,
                        peer,
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

        /**
         * A route's label and the series its last request was recorded in. Read and written by every request of the
         * route without a lock: each series is immutable, so a racing request records in its own series or in
         * another request's, both the right ones for what they compare equal to.
         */
        private static final class RouteMeters {

            final String route;
            volatile @Nullable Series last;
            volatile @Nullable GrpcSeries lastGrpc;

            RouteMeters(String route) {
                this.route = route;
            }
        }

        /** One series of a route, with the meters MeshMetrics keeps for it. */
        private static final class Series {

            final HttpMethod method;
            final int status;
            final ResponseClass outcome;
            final String peer;
            final MeshMetrics.Recorded recorded;

            Series(HttpMethod method, int status, ResponseClass outcome, String peer, MeshMetrics.Recorded recorded) {
                this.method = method;
                this.status = status;
                this.outcome = outcome;
                this.peer = peer;
                this.recorded = recorded;
            }

            boolean is(HttpMethod method, int status, ResponseClass outcome, String peer) {
                return this.method == method
                        && this.status == status
                        && this.outcome == outcome
                        && (this.peer == peer || this.peer.equals(peer));
            }
        }

        /** A gRPC status of a route, with its counter. */
        private static final class GrpcSeries {

            final int status;
            final Counter counter;

            GrpcSeries(int status, Counter counter) {
                this.status = status;
                this.counter = counter;
            }
        }

        private static String peerOf(ServiceRequestContext ctx) {
            // A layer of the user's own may say who the caller is; else the TLS session's verified peer.
            final @Nullable String said = ctx.attr(MeshTelemetry.PEER);
            if (said != null) {
                return said;
            }
            final @Nullable ServiceName verified = SessionPeer.of(ctx).service();
            if (verified != null) {
                return verified.value();
            }
            // Only without a verified peer (no mTLS) is the caller's own word read.
            final @Nullable String caller = ctx.request().headers().get(MeshTelemetry.CALLER_HEADER);
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
