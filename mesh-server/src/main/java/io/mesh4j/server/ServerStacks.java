package io.mesh4j.server;

import com.linecorp.armeria.server.HttpService;

import io.mesh4j.core.stack.Stack;
import io.mesh4j.server.authz.AuthzLayer;
import io.mesh4j.server.deadline.DeadlineLayer;

/**
 * The inbound stack, laid out once, in request order: the first layer is the first to see a request. TLS and
 * the caller's identity are settled by the listener before any layer runs.
 */
public final class ServerStacks {

    /**
     * The default inbound stack. Its roles and their order are in {@link io.mesh4j.core.stack.ServerRoles};
     * TRACING and METRICS stand before AUTHZ, and RATE_LIMIT, CONCURRENCY and FAULTS between AUTHZ and DEADLINE,
     * in that order, once their layers exist.
     */
    public static Stack<HttpService> defaults() {
        return Stack.of(
                // The caller's identity against the policy: before any work, or any limit, is spent on a request
                // that may not be made at all.
                AuthzLayer.of(),
                // Refuses what the caller has given up on, and bounds the handler's work (and the calls it
                // makes) by the caller's deadline: the last layer, right before the service does the work.
                DeadlineLayer.of());
    }

    private ServerStacks() {}
}
