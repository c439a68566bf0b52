package io.mesh4j.core.stack;

/**
 * The roles of the outbound stack, declared in request order. {@code ClientStacks.defaults()} in mesh-client
 * lays the layers out in this order and says why each one stands where it does.
 */
public final class ClientRoles {

    /** Client span, trace context injected; outermost so that the span covers every attempt. */
    public static final Role TRACING = Role.of("TRACING");
    /** Per-route golden metrics as the caller sees them, after retries. */
    public static final Role METRICS = Role.of("METRICS");
    /** Matches the route and picks the split or subset the request goes to. */
    public static final Role ROUTING = Role.of("ROUTING");
    /** Injected delays and aborts, as if the network did it, before retries see it. */
    public static final Role FAULTS = Role.of("FAULTS");
    /** The total timeout of a call, bounded by the caller's own deadline and propagated downstream. */
    public static final Role DEADLINE = Role.of("DEADLINE");
    /**
     * A second attempt to another endpoint when the first is slow, the first answer winning; inside DEADLINE so
     * that hedges cannot outlive the call, outside RETRY so that each hedge is retried on its own.
     */
    public static final Role HEDGE = Role.of("HEDGE");
    /** Budgeted retries with backoff; each attempt re-selects an endpoint. */
    public static final Role RETRY = Role.of("RETRY");
    /** Per-endpoint circuit breaker; inside retry so that an open breaker moves the retry on. */
    public static final Role BREAKER = Role.of("BREAKER");

    private ClientRoles() {}
}
