package io.mesh4j.server.internal.metrics;

import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.SimpleDecoratingHttpService;

import io.mesh4j.core.classify.ResponseClass;
import io.mesh4j.core.classify.ResponseClassifier;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.telemetry.MeshMetrics;
import io.mesh4j.core.internal.telemetry.RouteTemplates;
import io.mesh4j.core.internal.telemetry.TelemetryAccess;
import io.mesh4j.core.stack.AbstractLayer;
import io.mesh4j.core.stack.CommonParams;
import io.mesh4j.core.stack.ServerRoles;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.core.telemetry.MeshTelemetry;

/**
 * Records every inbound request once its response is complete: count and latency by route template, method,
 * status, outcome (the shared {@link ResponseClassifier}'s judgement) and peer, in
 * {@code mesh_server_requests_seconds}.
 *
 * <p>The peer is the caller's verified identity when a layer has set {@link MeshTelemetry#PEER}, else the service
 * its mesh client says it calls from ({@value MeshTelemetry#CALLER_HEADER}), else {@value MeshMetrics#UNKNOWN}.
 * A path no route matched counts under {@value MeshMetrics#UNMATCHED}: labels never hold raw paths.
 */
public final class MetricsLayer extends AbstractLayer<HttpService> {

    public MetricsLayer() {
        super(ServerRoles.METRICS);
    }

    @Override
    public Function<? super HttpService, ? extends HttpService> decorator(StackParams params) {
        final String service = params.get(CommonParams.SERVICE).value();
        final MeshMetrics metrics = TelemetryAccess.METRICS.get(params.get(MeshTelemetry.KEY));
        final ResponseClassifier classifier = params.get(CommonParams.CLASSIFIER);
        return delegate -> new MetricsService(delegate, service, metrics, classifier);
    }

    private static final class MetricsService extends SimpleDecoratingHttpService {

        private final String service;
        private final MeshMetrics metrics;
        private final ResponseClassifier classifier;

        MetricsService(HttpService delegate, String service, MeshMetrics metrics, ResponseClassifier classifier) {
            super(delegate);
            this.service = service;
            this.metrics = metrics;
            this.classifier = classifier;
        }

        @Override
        public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) throws Exception {
            ctx.setAttr(MeshTelemetry.LOCAL_SERVICE, service);
            final @Nullable String caller = req.headers().get(MeshTelemetry.CALLER_HEADER);
            ctx.log().whenComplete().thenAccept(log -> record(ctx, log, caller));
            return unwrap().serve(ctx, req);
        }

        private void record(ServiceRequestContext ctx, RequestLog log, @Nullable String caller) {
            final ResponseClass outcome = classifier.classify(ctx.method(), log);
            metrics.serverRequest(
                    service,
                    RouteTemplates.labelOf(ctx),
                    ctx.method(),
                    log.responseHeaders().status().code(),
                    outcome,
                    peerOf(ctx, caller),
                    log.totalDurationNanos());
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
