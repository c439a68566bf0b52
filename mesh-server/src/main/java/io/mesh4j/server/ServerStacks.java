package io.mesh4j.server;

import java.util.List;
import java.util.stream.Collectors;

import com.linecorp.armeria.server.HttpService;

import io.mesh4j.core.internal.stack.Passes;
import io.mesh4j.core.stack.Stack;
import io.mesh4j.server.internal.authz.AuthzLayer;
import io.mesh4j.server.internal.concurrency.ConcurrencyLayer;
import io.mesh4j.server.internal.deadline.DeadlineLayer;
import io.mesh4j.server.internal.faults.FaultLayer;
import io.mesh4j.server.internal.metrics.MetricsLayer;
import io.mesh4j.server.internal.ratelimit.RateLimitLayer;
import io.mesh4j.server.internal.tracing.TracingLayer;

/**
 * The inbound stack, laid out once, in request order: the first layer is the first to see a request. TLS and
 * the caller's identity are settled by the listener before any layer runs.
 *
 * <pre>{@code
 * MeshServer.builder("orders", registry).stack(ServerStacks.defaults().remove(ServerRoles.FAULTS));
 * }</pre>
 */
public final class ServerStacks {

    /**
     * The default inbound stack. Its roles and their order are in {@link io.mesh4j.core.stack.ServerRoles};
     * each layer's line says why it stands where it does.
     *
     * @return {@code Stack[TRACING -> METRICS -> AUTHZ -> RATE_LIMIT -> CONCURRENCY -> FAULTS -> DEADLINE]}, new
     *     layers on every call
     */
    public static Stack<HttpService> defaults() {
        return Stack.of(
                // Continues the caller's trace: first, so that the server span covers every layer's work and
                // every layer (and the handler, on any thread of the request) runs inside it.
                new TracingLayer(),
                // Per-route golden metrics: right after tracing, so that requests refused by the layers below
                // (authorization, limits, deadline) are counted with their status.
                new MetricsLayer(),
                // The caller's identity against the policy: before any work, or any limit, is spent on a request
                // that may not be made at all.
                new AuthzLayer(),
                // Per route and caller: after AUTHZ, so that a caller who may not call cannot spend the rate of
                // those who may; before CONCURRENCY, so that a refused request never holds a slot.
                new RateLimitLayer(),
                // Sheds what would exceed the route's in-flight limit, at once, before any work is spent on it.
                new ConcurrencyLayer(),
                // Injected delays and aborts for callers that are not mesh clients (those judge faults
                // themselves): after the limits, as a slow or failing handler would be.
                new FaultLayer(),
                // Refuses what the caller has given up on, and bounds the handler's work (and the calls it
                // makes) by the caller's deadline: the last layer, right before the service does the work.
                new DeadlineLayer());
    }

    /**
     * The whole inbound path as the admin endpoint shows it, the listener's part included:
     * {@code mTLS listener -> per request: [TRACING + ... + DEADLINE] -> service}. Layers in brackets run fused, as
     * one pass over the request with one log listener; a layer of the user's own runs as its own decorator.
     *
     * @param stack the inbound stack
     * @param tls whether the listener requires mTLS and knows the caller by its SPIFFE ID
     * @return one line, from the listener to the service
     */
    public static String describe(Stack<HttpService> stack, boolean tls) {
        // TLS is settled by the listener before any layer runs, and every layer runs once per request.
        return (tls ? "mTLS listener (caller's SPIFFE ID)" : "plaintext listener") + " -> per request: "
                + Passes.describe(stack, List.of()).stream()
                        .map(Passes.Part::text)
                        .collect(Collectors.joining(" -> "))
                + " -> service";
    }

    private ServerStacks() {}
}
