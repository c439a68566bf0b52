package io.mesh4j.server.internal.ratelimit;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import io.grpc.Status;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.identity.SessionPeer;
import io.mesh4j.core.internal.policy.PolicyRegistry.LiveRoutes;
import io.mesh4j.core.internal.registry.ErrorBody;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.QuotaJson;
import io.mesh4j.core.internal.registry.RegistryJson;
import io.mesh4j.core.internal.stack.Exchange;
import io.mesh4j.core.internal.stack.Interceptor;
import io.mesh4j.core.routing.QuotaSpec;
import io.mesh4j.core.routing.RateLimitSpec;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.core.stack.ServerRoles;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.server.internal.policy.ServedRoute;
import io.mesh4j.server.internal.policy.ServerRoutes;
import io.mesh4j.server.internal.quota.MeshQuotaRefusal;
import io.mesh4j.server.internal.quota.QuotaGate;
import io.mesh4j.server.internal.quota.QuotaLeaseKeeper;
import io.mesh4j.server.internal.refusal.Refusal;
import io.mesh4j.server.internal.stack.FusedServiceLayer;

/**
 * Holds each route to the rate its rule sets (the registry's, else the route's {@code @RateLimit}), in this
 * instance, for each calling service when the limit is per caller. A request over the rate is answered 429 at
 * once, with {@code Retry-After} saying in how many seconds a permit is free again; no work is spent on it.
 */
public final class RateLimitLayer extends FusedServiceLayer {

    private static final Logger logger = LoggerFactory.getLogger(RateLimitLayer.class);

    public RateLimitLayer() {
        super(ServerRoles.RATE_LIMIT);
    }

    @Override
    public Interceptor<ServiceRequestContext> interceptor(StackParams params) {
        final ServerRoutes routes = params.get(ServerRoutes.KEY);
        final RateLimiters limiters = new RateLimiters();
        final @Nullable QuotaGate quotas =
                params.get(QuotaLeaseKeeper.KEY).map(QuotaGate::new).orElse(null);
        return new RequestRateLimit(routes, limiters, quotas);
    }

    private static final class RequestRateLimit implements Interceptor<ServiceRequestContext> {

        private final ServerRoutes routes;
        private final RateLimiters limiters;
        private final @Nullable QuotaGate quotas;

        RequestRateLimit(ServerRoutes routes, RateLimiters limiters, @Nullable QuotaGate quotas) {
            this.routes = routes;
            this.limiters = limiters;
            this.quotas = quotas;
        }

        @Override
        public @Nullable HttpResponse onRequest(ServiceRequestContext ctx, Exchange<ServiceRequestContext> exchange) {
            final ServedRoute route = routes.resolve(ctx);
            final @Nullable RouteRule source = route.sourceOf(RouteRule::rateLimit);
            if (source == null) {
                return quotaCheck(ctx, route);
            }
            final @Nullable String caller = callerOf(ctx);
            final RateLimiter limiter = limiters.limiterOf(source, caller);
            if (limiter.acquirePermission()) {
                // The instance's own limit first: a request it refuses spends none of the mesh-wide quota.
                return quotaCheck(ctx, route);
            }
            final long retryAfterSeconds = retryAfterSeconds(limiter);
            // sourceOf gives a rule that has a rate limit.
            final RateLimitSpec limit = requireNonNull(source.rateLimit());
            final String message = ctx.method() + " " + ctx.path() + " is limited to "
                    + limit.requestsPerSecond() + " requests per second"
                    + (limit.perCaller() ? " for each caller (this one: " + caller + ')' : "")
                    + " by " + ServedRoute.describe(source, route) + "; retry after "
                    + retryAfterSeconds + " s";
            logger.debug("{}", message);
            // gRPC's word for a quota spent: RESOURCE_EXHAUSTED, which stock clients do not retry.
            return Refusal.of(
                    ctx,
                    Status.Code.RESOURCE_EXHAUSTED,
                    message,
                    () -> HttpResponse.of(
                            ResponseHeaders.builder(ErrorCode.RATE_LIMITED.status())
                                    .contentType(MediaType.JSON_UTF_8)
                                    .set(HttpHeaderNames.RETRY_AFTER, Long.toString(retryAfterSeconds))
                                    .set(QuotaJson.LIMIT_HEADER, QuotaJson.LIMIT_INSTANCE)
                                    .build(),
                            HttpData.wrap(RegistryJson.writeError(ErrorBody.of(ErrorCode.RATE_LIMITED, message)))));
        }

        /** The mesh-wide quotas that cover the request, from their leased local buckets; never a remote call. */
        private @Nullable HttpResponse quotaCheck(ServiceRequestContext ctx, ServedRoute route) {
            final @Nullable QuotaGate quotas = this.quotas;
            final @Nullable LiveRoutes live = routes.live();
            if (quotas == null || live == null) {
                return null;
            }
            final RouteConfig config = live.current();
            final @Nullable QuotaSpec declared = routes.declaredQuota(ctx);
            if (config.quotas().isEmpty() && declared == null) {
                // No quota at all, as for most services: nothing to look up for the request.
                return null;
            }
            final @Nullable RouteRule rule = route.fromRegistry();
            final @Nullable ServiceName caller = SessionPeer.of(ctx).service();
            final QuotaGate.@Nullable Refused refused = quotas.check(
                    config, declared, rule != null ? rule.name() : null, caller != null ? caller.value() : null);
            return refused == null ? null : MeshQuotaRefusal.of(ctx, refused);
        }

        @Override
        public boolean observesCompletion() {
            return false;
        }

        @Override
        public String toString() {
            return "RequestRateLimit";
        }

        /** Read from the TLS session, where the caller's ID, service and text are kept once per session. */
        private static @Nullable String callerOf(ServiceRequestContext ctx) {
            final SessionPeer peer = SessionPeer.of(ctx);
            final @Nullable ServiceName service = peer.service();
            return service != null ? service.value() : peer.text();
        }

        /** Whole seconds, as {@code Retry-After} counts them, rounded up: a caller that waits that long gets in. */
        private static long retryAfterSeconds(RateLimiter limiter) {
            if (limiter instanceof AtomicRateLimiter) {
                final long nanos =
                        ((AtomicRateLimiter) limiter).getDetailedMetrics().getNanosToWait();
                return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
            }
            return Math.max(
                    1, limiter.getRateLimiterConfig().getLimitRefreshPeriod().toSeconds());
        }
    }
}
