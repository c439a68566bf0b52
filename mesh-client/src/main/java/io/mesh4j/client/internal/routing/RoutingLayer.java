package io.mesh4j.client.internal.routing;

import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.SimpleDecoratingHttpClient;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeadersBuilder;

import io.mesh4j.core.internal.registry.ErrorBody;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.RegistryJson;
import io.mesh4j.core.routing.RouteOverride;
import io.mesh4j.core.stack.AbstractLayer;
import io.mesh4j.core.stack.ClientRoles;
import io.mesh4j.core.stack.StackParams;

/**
 * Holds the call to its {@link RouteDecision} (made by the {@link Router} when the call's context was made): a
 * call to a subset with no instance is answered 503 naming the subset, and the route override the call follows
 * is the one it carries downstream, replacing any the handler copied from its own request.
 */
public final class RoutingLayer extends AbstractLayer<HttpClient> {

    public RoutingLayer() {
        super(ClientRoles.ROUTING, Router.KEY);
    }

    @Override
    public Function<? super HttpClient, ? extends HttpClient> decorator(StackParams params) {
        final Router router = params.get(Router.KEY);
        return delegate -> new RoutingClient(delegate, router);
    }

    private static final class RoutingClient extends SimpleDecoratingHttpClient {

        private final Router router;

        RoutingClient(HttpClient delegate, Router router) {
            super(delegate);
            this.router = router;
        }

        @Override
        public HttpResponse execute(ClientRequestContext ctx, HttpRequest req) throws Exception {
            final RouteDecision decision = router.decide(ctx);
            if (decision.noInstances()) {
                final String message = "no instance of " + decision.describe() + " now, which "
                        + (decision.rule() != null ? "rule '" + decision.rule().name() + "'" : "the route override")
                        + " sends " + ctx.method() + ' ' + ctx.path() + " to"
                        + (decision.rule() != null && decision.rule().fallback() != null
                                ? ", nor of its fallback " + decision.rule().fallback()
                                : "")
                        + " (deploy the subset, or give the rule a fallback)";
                return HttpResponse.of(
                        ErrorCode.NO_ROUTE.status(),
                        MediaType.JSON_UTF_8,
                        RegistryJson.writeError(ErrorBody.of(ErrorCode.NO_ROUTE, message)));
            }
            final @Nullable RouteOverride override = decision.override();
            final @Nullable String carried = req.headers().get(RouteOverride.HEADER);
            final @Nullable String wanted = override != null ? override.format() : null;
            if (carried == null ? wanted == null : carried.equals(wanted)) {
                return unwrap().execute(ctx, req);
            }
            final RequestHeadersBuilder headers = req.headers().toBuilder();
            if (wanted != null) {
                headers.set(RouteOverride.HEADER, wanted);
            } else {
                headers.remove(RouteOverride.HEADER);
            }
            final HttpRequest rewritten = req.withHeaders(headers);
            ctx.updateRequest(rewritten);
            return unwrap().execute(ctx, rewritten);
        }
    }
}
