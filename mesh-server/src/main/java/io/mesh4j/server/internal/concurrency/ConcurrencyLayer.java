package io.mesh4j.server.internal.concurrency;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.grpc.Status;
import io.mesh4j.core.internal.Lazy;
import io.mesh4j.core.internal.registry.ErrorBody;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.RegistryJson;
import io.mesh4j.core.internal.stack.Exchange;
import io.mesh4j.core.internal.stack.Interceptor;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.core.stack.ServerRoles;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.server.internal.policy.ServedRoute;
import io.mesh4j.server.internal.policy.ServerRoutes;
import io.mesh4j.server.internal.refusal.Refusal;
import io.mesh4j.server.internal.stack.FusedServiceLayer;

/**
 * Keeps at most the rule's {@code concurrencyLimit} requests of a route in flight in this instance (the
 * registry's rule, else the route's {@code @ConcurrencyLimit}), with a resilience4j bulkhead that never queues:
 * one more is shed at once with 503, before any work, which the mesh's callers retry on another instance while
 * they still have time. Queueing would only make every request in the queue late.
 */
public final class ConcurrencyLayer extends FusedServiceLayer {

    private static final Logger logger = LoggerFactory.getLogger(ConcurrencyLayer.class);

    public ConcurrencyLayer() {
        super(ServerRoles.CONCURRENCY);
    }

    @Override
    public Interceptor<ServiceRequestContext> interceptor(StackParams params) {
        final ServerRoutes routes = params.get(ServerRoutes.KEY);
        // One bulkhead per rule that sets a limit, by value: a pushed config with another limit starts afresh.
        // Requests in flight under the old one release it when they end; the old one is then forgotten.
        // Made at the first request under such a rule: a server whose rules set no limit loads no Caffeine for it.
        final Lazy<Cache<RouteRule, Bulkhead>> bulkheads = Lazy.of(() ->
                Caffeine.newBuilder().expireAfterAccess(Duration.ofMinutes(10)).<RouteRule, Bulkhead>build());
        return new RequestConcurrency(routes, bulkheads);
    }

    private static final class RequestConcurrency implements Interceptor<ServiceRequestContext> {

        private final ServerRoutes routes;
        private final Lazy<Cache<RouteRule, Bulkhead>> bulkheads;

        RequestConcurrency(ServerRoutes routes, Lazy<Cache<RouteRule, Bulkhead>> bulkheads) {
            this.routes = routes;
            this.bulkheads = bulkheads;
        }

        @Override
        public @Nullable HttpResponse onRequest(ServiceRequestContext ctx, Exchange<ServiceRequestContext> exchange) {
            final ServedRoute route = routes.resolve(ctx);
            final @Nullable RouteRule source = route.sourceOf(RouteRule::concurrencyLimit);
            if (source == null) {
                return null;
            }
            // sourceOf gives a rule that has a concurrency limit.
            final Bulkhead bulkhead = bulkheads
                    .get()
                    .get(
                            source,
                            rule -> Bulkhead.of(
                                    rule.name(),
                                    BulkheadConfig.custom()
                                            .maxConcurrentCalls(requireNonNull(rule.concurrencyLimit()))
                                            .maxWaitDuration(Duration.ZERO)
                                            .build()));
            if (!bulkhead.tryAcquirePermission()) {
                final String message = ctx.method() + " " + ctx.path() + " has " + source.concurrencyLimit()
                        + " requests in flight, the most " + ServedRoute.describe(source, route)
                        + " allows in this instance; shed before any work";
                logger.debug("{}", message);
                // Shed, as the 503 it is for HTTP: UNAVAILABLE, which gRPC's retry policies retry elsewhere.
                return Refusal.of(
                        ctx,
                        Status.Code.UNAVAILABLE,
                        message,
                        () -> HttpResponse.of(
                                ErrorCode.OVERLOADED.status(),
                                MediaType.JSON_UTF_8,
                                RegistryJson.writeError(ErrorBody.of(ErrorCode.OVERLOADED, message))));
            }
            // Released when the response has been sent whole (or the request failed): what counts is the work.
            exchange.keep(bulkhead);
            return null;
        }

        @Override
        public void onComplete(ServiceRequestContext ctx, RequestLog log, Exchange<ServiceRequestContext> exchange) {
            final @Nullable Bulkhead bulkhead = exchange.kept();
            if (bulkhead != null) {
                bulkhead.onComplete();
            }
        }

        @Override
        public String toString() {
            return "RequestConcurrency";
        }
    }
}
