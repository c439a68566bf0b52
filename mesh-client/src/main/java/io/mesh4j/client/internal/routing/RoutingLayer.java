package io.mesh4j.client.internal.routing;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeadersBuilder;

import io.mesh4j.client.internal.stack.FusedClientLayer;
import io.mesh4j.core.internal.registry.ErrorBody;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.RegistryJson;
import io.mesh4j.core.internal.stack.Exchange;
import io.mesh4j.core.internal.stack.Interceptor;
import io.mesh4j.core.routing.RouteOverride;
import io.mesh4j.core.stack.ClientRoles;
import io.mesh4j.core.stack.StackParams;
import io.netty.util.AsciiString;

/**
 * Holds the call to its {@link RouteDecision} (made by the {@link Router} when the call's context was made): a
 * call to a subset with no instance is answered 503 naming the subset, and the route override the call follows
 * is the one it carries downstream, replacing any the handler copied from its own request.
 */
public final class RoutingLayer extends FusedClientLayer {

    /** Made once: a name given as a {@code String} is made into a new {@link AsciiString} by every {@code set}. */
    private static final AsciiString OVERRIDE_HEADER = HttpHeaderNames.of(RouteOverride.HEADER);

    public RoutingLayer() {
        super(ClientRoles.ROUTING, Router.KEY);
    }

    @Override
    public Interceptor<ClientRequestContext> interceptor(StackParams params) {
        return new CallRouting(params.get(Router.KEY));
    }

    private static final class CallRouting implements Interceptor<ClientRequestContext> {

        private final Router router;

        CallRouting(Router router) {
            this.router = router;
        }

        @Override
        public @Nullable HttpResponse onRequest(ClientRequestContext ctx, Exchange<ClientRequestContext> exchange) {
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
            final @Nullable String carried = exchange.header(RouteOverride.HEADER);
            final @Nullable String wanted = override != null ? override.format() : null;
            if (carried == null ? wanted == null : carried.equals(wanted)) {
                return null;
            }
            final RequestHeadersBuilder headers = exchange.headersToWrite();
            if (wanted != null) {
                headers.set(OVERRIDE_HEADER, wanted);
            } else {
                headers.remove(RouteOverride.HEADER);
            }
            return null;
        }

        @Override
        public boolean observesCompletion() {
            return false;
        }

        @Override
        public String toString() {
            return "CallRouting(" + router + ')';
        }
    }
}
