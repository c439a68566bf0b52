package io.mesh4j.client.internal.metrics;

import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.SimpleDecoratingHttpClient;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.logging.RequestLog;

import io.mesh4j.core.classify.ResponseClass;
import io.mesh4j.core.classify.ResponseClassifier;
import io.mesh4j.core.internal.telemetry.MeshMetrics;
import io.mesh4j.core.internal.telemetry.TelemetryAccess;
import io.mesh4j.core.stack.AbstractLayer;
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
 */
public final class MetricsLayer extends AbstractLayer<HttpClient> {

    public MetricsLayer() {
        super(ClientRoles.METRICS);
    }

    @Override
    public Function<? super HttpClient, ? extends HttpClient> decorator(StackParams params) {
        final String service = params.get(CommonParams.SERVICE).value();
        final MeshMetrics metrics = TelemetryAccess.METRICS.get(params.get(MeshTelemetry.KEY));
        final ResponseClassifier classifier = params.get(CommonParams.CLASSIFIER);
        return delegate -> new MetricsClient(delegate, service, metrics, classifier);
    }

    private static final class MetricsClient extends SimpleDecoratingHttpClient {

        private final String service;
        private final MeshMetrics metrics;
        private final ResponseClassifier classifier;

        MetricsClient(HttpClient delegate, String service, MeshMetrics metrics, ResponseClassifier classifier) {
            super(delegate);
            this.service = service;
            this.metrics = metrics;
            this.classifier = classifier;
        }

        @Override
        public HttpResponse execute(ClientRequestContext ctx, HttpRequest req) throws Exception {
            ctx.log().whenComplete().thenAccept(log -> record(ctx, log));
            return unwrap().execute(ctx, req);
        }

        private void record(ClientRequestContext ctx, RequestLog log) {
            final @Nullable String template = ctx.attr(MeshTelemetry.ROUTE);
            final String route = template != null ? template : MeshMetrics.UNMATCHED;
            final ResponseClass outcome = classifier.classify(ctx.method(), log);
            metrics.clientRequest(
                    service,
                    route,
                    ctx.method(),
                    log.responseHeaders().status().code(),
                    outcome,
                    log.totalDurationNanos());
            metrics.clientRetries(service, route, log.children().size() - 1);
        }
    }
}
