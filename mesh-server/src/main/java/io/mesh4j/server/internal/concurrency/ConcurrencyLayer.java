package io.mesh4j.server.internal.concurrency;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.SimpleDecoratingHttpService;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.mesh4j.core.internal.registry.ErrorBody;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.RegistryJson;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.core.stack.AbstractLayer;
import io.mesh4j.core.stack.ServerRoles;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.server.internal.policy.ServedRoute;
import io.mesh4j.server.internal.policy.ServerRoutes;

/**
 * Keeps at most the rule's {@code concurrencyLimit} requests of a route in flight in this instance (the
 * registry's rule, else the route's {@code @ConcurrencyLimit}), with a resilience4j bulkhead that never queues:
 * one more is shed at once with 503, before any work, which the mesh's callers retry on another instance while
 * they still have time. Queueing would only make every request in the queue late.
 */
public final class ConcurrencyLayer extends AbstractLayer<HttpService> {

    private static final Logger logger = LoggerFactory.getLogger(ConcurrencyLayer.class);

    public ConcurrencyLayer() {
        super(ServerRoles.CONCURRENCY);
    }

    @Override
    public Function<? super HttpService, ? extends HttpService> decorator(StackParams params) {
        final ServerRoutes routes = params.get(ServerRoutes.KEY);
        // One bulkhead per rule that sets a limit, by value: a pushed config with another limit starts afresh.
        // Requests in flight under the old one release it when they end; the old one is then forgotten.
        final Cache<RouteRule, Bulkhead> bulkheads =
                Caffeine.newBuilder().expireAfterAccess(Duration.ofMinutes(10)).build();
        return delegate -> new LimitingService(delegate, routes, bulkheads);
    }

    private static final class LimitingService extends SimpleDecoratingHttpService {

        private final ServerRoutes routes;
        private final Cache<RouteRule, Bulkhead> bulkheads;

        LimitingService(HttpService delegate, ServerRoutes routes, Cache<RouteRule, Bulkhead> bulkheads) {
            super(delegate);
            this.routes = routes;
            this.bulkheads = bulkheads;
        }

        @Override
        public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) throws Exception {
            final ServedRoute route = routes.resolve(ctx);
            final @Nullable RouteRule source = route.sourceOf(RouteRule::concurrencyLimit);
            if (source == null) {
                return unwrap().serve(ctx, req);
            }
            // sourceOf gives a rule that has a concurrency limit.
            final Bulkhead bulkhead = bulkheads.get(
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
                return HttpResponse.of(
                        ErrorCode.OVERLOADED.status(),
                        MediaType.JSON_UTF_8,
                        RegistryJson.writeError(ErrorBody.of(ErrorCode.OVERLOADED, message)));
            }
            // Released when the response has been sent whole (or the request failed): what counts is the work.
            ctx.log().whenComplete().thenRun(bulkhead::onComplete);
            return unwrap().serve(ctx, req);
        }
    }
}
