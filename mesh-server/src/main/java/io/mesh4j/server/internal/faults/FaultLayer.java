package io.mesh4j.server.internal.faults;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.SimpleDecoratingHttpService;

import io.mesh4j.core.routing.FaultSpec;
import io.mesh4j.core.routing.FaultSpec.Decision;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.core.stack.AbstractLayer;
import io.mesh4j.core.stack.ServerRoles;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.server.internal.policy.ServerRoutes;

/**
 * Injects the faults of the route's rule (delay P% of requests, abort Q% with a status) into requests that a
 * mesh client has not already judged (those carry {@value FaultSpec#JUDGED_HEADER}): callers outside the mesh,
 * such as an edge proxy. A delayed request is held before the service sees it, as a slow network would.
 */
public final class FaultLayer extends AbstractLayer<HttpService> {

    public FaultLayer() {
        super(ServerRoles.FAULTS);
    }

    @Override
    public Function<? super HttpService, ? extends HttpService> decorator(StackParams params) {
        final ServerRoutes routes = params.get(ServerRoutes.KEY);
        return delegate -> new FaultInjectingService(delegate, routes);
    }

    private static final class FaultInjectingService extends SimpleDecoratingHttpService {

        private final ServerRoutes routes;

        FaultInjectingService(HttpService delegate, ServerRoutes routes) {
            super(delegate);
            this.routes = routes;
        }

        @Override
        public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) throws Exception {
            if (req.headers().contains(FaultSpec.JUDGED_HEADER)) {
                return unwrap().serve(ctx, req);
            }
            final @Nullable RouteRule rule = routes.resolve(ctx).rule();
            final @Nullable FaultSpec fault = rule != null ? rule.fault() : null;
            if (rule == null || fault == null) {
                return unwrap().serve(ctx, req);
            }
            final Decision decision = fault.decide(ThreadLocalRandom.current());
            if (decision.isNone()) {
                return unwrap().serve(ctx, req);
            }
            if (decision.delay().isZero()) {
                return abort(decision, rule);
            }
            return HttpResponse.delayed(
                    () -> {
                        if (decision.abortStatus() != 0) {
                            return abort(decision, rule);
                        }
                        try {
                            return unwrap().serve(ctx, req);
                        } catch (Exception e) {
                            return HttpResponse.ofFailure(e);
                        }
                    },
                    decision.delay(),
                    ctx.eventLoop());
        }

        private static HttpResponse abort(Decision decision, RouteRule rule) {
            return HttpResponse.of(
                    HttpStatus.valueOf(decision.abortStatus()),
                    MediaType.PLAIN_TEXT_UTF_8,
                    "fault injected by mesh4j (rule '" + rule.name() + "')");
        }
    }
}
