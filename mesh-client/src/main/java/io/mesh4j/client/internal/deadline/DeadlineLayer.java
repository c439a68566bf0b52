package io.mesh4j.client.internal.deadline;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import com.github.benmanes.caffeine.cache.Ticker;
import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.ResponseTimeoutException;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.common.util.TimeoutMode;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.MethodDescriptor;
import io.mesh4j.client.internal.grpc.GrpcCalls;
import io.mesh4j.client.internal.routing.RouteDecision;
import io.mesh4j.client.internal.stack.CallState;
import io.mesh4j.client.internal.stack.FusedClientLayer;
import io.mesh4j.client.policy.ClientPolicies;
import io.mesh4j.client.policy.ClientPolicy;
import io.mesh4j.core.deadline.Deadline;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.stack.Exchange;
import io.mesh4j.core.internal.stack.Interceptor;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.core.stack.ClientRoles;
import io.mesh4j.core.stack.CommonParams;
import io.mesh4j.core.stack.StackParams;
import io.netty.util.AsciiString;

/**
 * Bounds a whole call, every attempt and backoff included, and passes the time left downstream.
 *
 * <p>The timeout is the one the request set itself ({@code WebClient.prepare().responseTimeout(..)}; for a gRPC
 * stub, its deadline, but no later than the route's or policy's timeout), or else its route rule's (the registry's,
 * over the typed client's {@code @Timeout}), or else the service's policy timeout (a gRPC stream has only the
 * timeouts set for it, none by default: {@link #timeoutOf}); in both cases no later than the deadline of the
 * request being served when the call is made from a handler, so that a service never works longer for its caller
 * than its caller waits.
 * The time left travels in the {@value Deadline#HEADER} header; the receiving server's DEADLINE layer refuses
 * the request if it arrives too late and bounds its work by it.
 *
 * <p>The header is written once per call, before the retries: a retry carries what was left when the call
 * started, which over-states its time by the earlier attempts. The caller still stops at its own deadline;
 * the downstream service at worst works a little past it.
 */
public final class DeadlineLayer extends FusedClientLayer {

    /**
     * The headers' names made once: a name given as a {@code String} is made into a new {@link AsciiString} by
     * every {@code set}, on every call, when Armeria does not know it.
     */
    private static final AsciiString DEADLINE_HEADER = HttpHeaderNames.of(Deadline.HEADER);

    private static final AsciiString GRPC_TIMEOUT_HEADER = HttpHeaderNames.of(Deadline.GRPC_HEADER);

    public DeadlineLayer() {
        super(ClientRoles.DEADLINE);
    }

    @Override
    public Interceptor<ClientRequestContext> interceptor(StackParams params) {
        final ServiceName service = params.get(CommonParams.SERVICE);
        final ClientPolicies policies = params.get(ClientPolicies.KEY);
        final Ticker ticker = params.get(CommonParams.TICKER);
        return new CallDeadline(service, policies, ticker);
    }

    private static final class CallDeadline implements Interceptor<ClientRequestContext> {

        private final ServiceName service;
        private final ClientPolicies policies;
        private final Ticker ticker;
        /**
         * The header value of the last timeout sent: most calls of a service send the same one (its route's or
         * policy's), and it was formatted anew for each.
         */
        private volatile @Nullable SentTimeout lastSent;

        CallDeadline(ServiceName service, ClientPolicies policies, Ticker ticker) {
            this.service = service;
            this.policies = policies;
            this.ticker = ticker;
        }

        @Override
        public @Nullable HttpResponse onRequest(ClientRequestContext ctx, Exchange<ClientRequestContext> exchange) {
            @Nullable Duration timeout = timeoutOf(ctx, service, policies);
            if (timeout == null) {
                // A gRPC stream with no timeout set: no mesh deadline, as Istio and Linkerd leave a stream alone.
                // The stub's deadline, if any, is Armeria's response timeout and grpc-timeout already.
                return null;
            }
            final @Nullable Deadline started = CallState.deadlineOf(ctx);
            if (started != null
                    && started != inheritedDeadline(ctx)
                    && started.remaining().compareTo(timeout) < 0) {
                // The call's deadline started while it waited for an endpoint (EndpointWait): the wait counts.
                timeout = started.remaining();
            }
            if (timeout.isNegative() || timeout.isZero()) {
                // The request being served has run out of time: calling on would be work nobody waits for.
                return HttpResponse.ofFailure(ResponseTimeoutException.get());
            }
            ctx.setResponseTimeout(TimeoutMode.SET_FROM_START, timeout);
            // Kept in the call's state, not as an attribute of its own: RETRY and a gRPC call's status read it.
            CallState.of(ctx).deadline(Deadline.after(timeout, ticker));
            if (GrpcCalls.methodOf(ctx) != null && !isStubDeadline(ctx, timeout)) {
                // The mesh's own timeout: a call it ends says so (TimeoutStatus). One the stub's deadline ends reads
                // as gRPC has it.
                ctx.setAttr(GrpcCalls.TIMEOUT, timeout);
            }
            final RequestHeadersBuilder headers = exchange.headersToWrite().set(DEADLINE_HEADER, headerValue(timeout));
            if (isGrpc(exchange.request().headers().get(HttpHeaderNames.CONTENT_TYPE))) {
                // A gRPC server outside the mesh reads its own header.
                headers.set(GRPC_TIMEOUT_HEADER, Deadline.formatGrpcHeader(timeout));
            }
            return null;
        }

        private String headerValue(Duration timeout) {
            final @Nullable SentTimeout last = lastSent;
            if (last != null && last.timeout().equals(timeout)) {
                return last.value();
            }
            final String value = Deadline.formatHeader(timeout);
            lastSent = new SentTimeout(timeout, value);
            return value;
        }

        @Override
        public boolean observesCompletion() {
            return false;
        }

        @Override
        public String toString() {
            return "CallDeadline(" + service + ')';
        }
    }

    /** A timeout and its {@value Deadline#HEADER} header value. */
    private record SentTimeout(Duration timeout, String value) {}

    /**
     * The timeout of the call of {@code ctx} to {@code service}: the one the request set itself, else its route
     * rule's (the registry's, over the typed client's annotation), else the service's policy's; no later than the
     * deadline of the request being served. Zero or negative when that has passed.
     *
     * <p>A gRPC streaming call (client, server or bidirectional) has only the timeouts set for it: its stub's
     * deadline, its route rule's {@code timeout}, the policy's {@link ClientPolicy#streamTimeout()}, the deadline
     * of the request being served; the policy's {@code timeout}, meant for a request and its answer, does not cut
     * a stream that may rightly last for hours.
     *
     * @return the timeout, or null for a gRPC stream that none of these bounds
     */
    public static @Nullable Duration timeoutOf(ClientRequestContext ctx, ServiceName service, ClientPolicies policies) {
        @Nullable Duration timeout;
        final @Nullable MethodDescriptor<?, ?> method = GrpcCalls.methodOf(ctx);
        if (method != null) {
            // A gRPC stub's deadline (in the grpc-timeout header Armeria writes from it) bounds the call, and so
            // does the route's or policy's timeout: gRPC clients set a deadline on every call, as they should, and
            // an operator's timeout must still hold for them. Read from the header, in nanoseconds: a deadline
            // less than a millisecond away must not read as none.
            timeout = method.getType() == MethodDescriptor.MethodType.UNARY
                    ? routeTimeout(ctx, service, policies)
                    : streamTimeout(ctx, service, policies);
            final @Nullable HttpRequest req = ctx.request();
            final @Nullable Duration stub =
                    req != null ? Deadline.parseGrpcHeader(req.headers().get(Deadline.GRPC_HEADER)) : null;
            if (stub != null && (timeout == null || stub.compareTo(timeout) < 0)) {
                timeout = stub;
            }
        } else if (ctx.responseTimeoutMillis() > 0) {
            timeout = Duration.ofMillis(ctx.responseTimeoutMillis());
        } else {
            timeout = routeTimeout(ctx, service, policies);
        }
        final @Nullable Deadline inherited = inheritedDeadline(ctx);
        if (inherited != null && (timeout == null || inherited.remaining().compareTo(timeout) < 0)) {
            timeout = inherited.remaining();
        }
        return timeout;
    }

    /**
     * Whether a request of this content type is gRPC's ({@code application/grpc}, {@code application/grpc+proto},
     * ...), read from the header's text: parsing it would cache the media type in the request's headers, an
     * allocation on every call that is not gRPC too.
     */
    private static boolean isGrpc(@Nullable String contentType) {
        return contentType != null && contentType.regionMatches(true, 0, "application/grpc", 0, 16);
    }

    /** Whether {@code timeout} is the stub's own deadline (in the grpc-timeout header Armeria wrote from it). */
    private static boolean isStubDeadline(ClientRequestContext ctx, Duration timeout) {
        final @Nullable HttpRequest req = ctx.request();
        final @Nullable Duration stub =
                req != null ? Deadline.parseGrpcHeader(req.headers().get(Deadline.GRPC_HEADER)) : null;
        return stub != null && stub.compareTo(timeout) <= 0;
    }

    /** A stream's: its route rule's timeout, else the policy's stream timeout; null when neither is set. */
    private static @Nullable Duration streamTimeout(
            ClientRequestContext ctx, ServiceName service, ClientPolicies policies) {
        final @Nullable RouteRule rule = RouteDecision.ruleOf(ctx);
        final @Nullable Duration fromRule = rule != null ? rule.timeout() : null;
        return fromRule != null ? fromRule : policies.policyFor(service).streamTimeout();
    }

    private static Duration routeTimeout(ClientRequestContext ctx, ServiceName service, ClientPolicies policies) {
        final @Nullable RouteRule rule = RouteDecision.ruleOf(ctx);
        final @Nullable Duration fromRule = rule != null ? rule.timeout() : null;
        return fromRule != null ? fromRule : policies.policyFor(service).timeout();
    }

    private static @Nullable Deadline inheritedDeadline(ClientRequestContext ctx) {
        final @Nullable ServiceRequestContext root = ctx.root();
        if (root != null) {
            return Deadline.of(root);
        }
        final @Nullable ServiceRequestContext current = ServiceRequestContext.currentOrNull();
        return current != null ? Deadline.of(current) : null;
    }
}
