package io.mesh4j.core.stack;

/**
 * The roles of the inbound stack, declared in request order. {@code ServerStacks.defaults()} in mesh-server
 * lays the layers out in this order and says why each one stands where it does. TLS and the peer's identity
 * are settled by the listener before any layer runs.
 */
public final class ServerRoles {

    /** Trace context extracted, server span opened. */
    public static final Role TRACING = Role.of("TRACING");
    /** Per-route golden metrics. */
    public static final Role METRICS = Role.of("METRICS");
    /** The caller's identity against the policy, before any work is spent on the request. */
    public static final Role AUTHZ = Role.of("AUTHZ");
    /** Per route and per caller. */
    public static final Role RATE_LIMIT = Role.of("RATE_LIMIT");
    /** In-flight limit: shed load rather than queue it. */
    public static final Role CONCURRENCY = Role.of("CONCURRENCY");
    /** Injected delays and aborts. */
    public static final Role FAULTS = Role.of("FAULTS");
    /** Refuses what the caller has already given up on and bounds the work by the caller's deadline. */
    public static final Role DEADLINE = Role.of("DEADLINE");

    private ServerRoles() {}
}
