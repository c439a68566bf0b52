package io.mesh4j.server.internal.deadline;

import java.time.Duration;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Ticker;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.util.TimeoutMode;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Status;
import io.mesh4j.core.deadline.Deadline;
import io.mesh4j.core.internal.stack.Exchange;
import io.mesh4j.core.internal.stack.Interceptor;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.core.stack.CommonParams;
import io.mesh4j.core.stack.ServerRoles;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.server.internal.policy.ServerRoutes;
import io.mesh4j.server.internal.refusal.Refusal;
import io.mesh4j.server.internal.stack.FusedServiceLayer;

/**
 * Reads the time its caller has left ({@value Deadline#HEADER}, or gRPC's {@value Deadline#GRPC_HEADER}),
 * refuses the request with 504 when none is left, and otherwise bounds the handler's work by it, and by the
 * route's own timeout (the registry's rule, else the route's {@code @Timeout}) when that is shorter. The deadline
 * is attached to the request's context, where the mesh clients the handler calls find it and pass on what is
 * left: a deadline that runs out mid-chain stops the work downstream too.
 *
 * <p>A request with neither header nor route timeout keeps the server's own request timeout; a gRPC call has none
 * then, as gRPC means a call without a deadline. A gRPC call refused here gets {@code DEADLINE_EXCEEDED}.
 */
public final class DeadlineLayer extends FusedServiceLayer {

    private static final Logger logger = LoggerFactory.getLogger(DeadlineLayer.class);
    private static final Duration GRPC_BACKSTOP = Duration.ofSeconds(1);
    private static final String DEADLINE_PASSED = "the caller's deadline had passed when the request arrived";

    public DeadlineLayer() {
        super(ServerRoles.DEADLINE);
    }

    @Override
    public Interceptor<ServiceRequestContext> interceptor(StackParams params) {
        final Ticker ticker = params.get(CommonParams.TICKER);
        final ServerRoutes routes = params.get(ServerRoutes.KEY);
        return new RequestDeadline(ticker, routes);
    }

    private static final class RequestDeadline implements Interceptor<ServiceRequestContext> {

        private final Ticker ticker;
        private final ServerRoutes routes;

        RequestDeadline(Ticker ticker, ServerRoutes routes) {
            this.ticker = ticker;
            this.routes = routes;
        }

        @Override
        public @Nullable HttpResponse onRequest(ServiceRequestContext ctx, Exchange<ServiceRequestContext> exchange) {
            final @Nullable Duration callerLeft = callerTimeLeft(ctx, exchange);
            if (callerLeft != null && callerLeft.isZero()) {
                return Refusal.of(
                        ctx,
                        Status.Code.DEADLINE_EXCEEDED,
                        DEADLINE_PASSED,
                        () -> HttpResponse.of(HttpStatus.GATEWAY_TIMEOUT, MediaType.PLAIN_TEXT_UTF_8, DEADLINE_PASSED));
            }
            final @Nullable RouteRule rule = routes.resolve(ctx).rule();
            final @Nullable Duration routeTimeout = rule != null ? rule.timeout() : null;
            final @Nullable Duration left = shorter(callerLeft, routeTimeout);
            if (left == null) {
                if (Refusal.isGrpc(ctx)) {
                    // A gRPC call without a deadline has none, as gRPC means it: a stream may last for hours.
                    ctx.clearRequestTimeout();
                }
                return null;
            }
            final long ownTimeoutMillis = ctx.requestTimeoutMillis();
            if (Refusal.isGrpc(ctx)) {
                // The gRPC service ends the call at the deadline with DEADLINE_EXCEEDED; the request timeout, a
                // little later, only backs it up (on its own it resets the stream: CANCELLED to the caller).
                ctx.setRequestTimeout(TimeoutMode.SET_FROM_NOW, left.plus(GRPC_BACKSTOP));
            } else if (ownTimeoutMillis <= 0 || left.toMillis() < ownTimeoutMillis) {
                ctx.setRequestTimeout(TimeoutMode.SET_FROM_NOW, left);
            }
            Deadline.after(left, ticker).attachTo(ctx);
            return null;
        }

        @Override
        public boolean observesCompletion() {
            return false;
        }

        @Override
        public String toString() {
            return "RequestDeadline";
        }

        /** From {@value Deadline#HEADER}, else gRPC's {@value Deadline#GRPC_HEADER}; null when neither parses. */
        private static @Nullable Duration callerTimeLeft(
                ServiceRequestContext ctx, Exchange<ServiceRequestContext> exchange) {
            final @Nullable String mesh = exchange.header(Deadline.HEADER);
            if (mesh != null) {
                final @Nullable Duration left = Deadline.parseHeader(mesh);
                if (left == null) {
                    logger.debug("{}: ignoring a malformed {} header: {}", ctx, Deadline.HEADER, mesh);
                }
                return left;
            }
            final @Nullable String grpc = exchange.header(Deadline.GRPC_HEADER);
            if (grpc != null) {
                final @Nullable Duration left = Deadline.parseGrpcHeader(grpc);
                if (left == null) {
                    logger.debug("{}: ignoring a malformed {} header: {}", ctx, Deadline.GRPC_HEADER, grpc);
                }
                return left;
            }
            return null;
        }

        private static @Nullable Duration shorter(@Nullable Duration a, @Nullable Duration b) {
            if (a == null) {
                return b;
            }
            return b == null || a.compareTo(b) <= 0 ? a : b;
        }
    }
}
