package io.mesh4j.server.internal.faults;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.mesh4j.core.internal.routing.InjectedFaults;
import io.mesh4j.core.internal.stack.Exchange;
import io.mesh4j.core.internal.stack.Interceptor;
import io.mesh4j.core.routing.FaultSpec;
import io.mesh4j.core.routing.FaultSpec.Decision;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.core.stack.ServerRoles;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.server.internal.policy.ServerRoutes;
import io.mesh4j.server.internal.refusal.Refusal;
import io.mesh4j.server.internal.stack.FusedServiceLayer;

/**
 * Injects the faults of the route's rule (delay P% of requests, abort Q% with a status) into requests that a
 * mesh client has not already judged (those carry {@value FaultSpec#JUDGED_HEADER}): callers outside the mesh,
 * such as an edge proxy. A delayed request is held before the service sees it, as a slow network would.
 */
public final class FaultLayer extends FusedServiceLayer {

    public FaultLayer() {
        super(ServerRoles.FAULTS);
    }

    @Override
    public Interceptor<ServiceRequestContext> interceptor(StackParams params) {
        return new RequestFaults(params.get(ServerRoutes.KEY));
    }

    private static final class RequestFaults implements Interceptor<ServiceRequestContext> {

        private final ServerRoutes routes;

        RequestFaults(ServerRoutes routes) {
            this.routes = routes;
        }

        @Override
        public @Nullable HttpResponse onRequest(ServiceRequestContext ctx, Exchange<ServiceRequestContext> exchange) {
            if (exchange.header(FaultSpec.JUDGED_HEADER) != null) {
                return null;
            }
            final @Nullable RouteRule rule = routes.resolve(ctx).rule();
            final @Nullable FaultSpec fault = rule != null ? rule.fault() : null;
            if (rule == null || fault == null) {
                return null;
            }
            final Decision decision = fault.decide(ThreadLocalRandom.current());
            if (decision.isNone()) {
                return null;
            }
            if (decision.abortStatus() != 0) {
                // A gRPC caller gets the status gRPC maps the abort's HTTP status to, with the same words.
                final HttpResponse aborted = Refusal.of(
                        ctx,
                        Refusal.grpcStatusOf(decision.abortStatus()),
                        "fault injected by mesh4j (rule '" + rule.name() + "')",
                        () -> InjectedFaults.abort(decision, rule));
                return decision.delay().isZero()
                        ? aborted
                        : HttpResponse.delayed(aborted, decision.delay(), ctx.eventLoop());
            }
            final Supplier<HttpResponse> rest = exchange.rest();
            return HttpResponse.delayed(rest, decision.delay(), ctx.eventLoop());
        }

        @Override
        public boolean observesCompletion() {
            return false;
        }

        @Override
        public String toString() {
            return "RequestFaults";
        }
    }
}
