package io.mesh4j.core.stack;

/**
 * The roles of the outbound stack, in request order. Each says what its layer does and whether it runs per call
 * or per attempt ({@link Role#scope()}); why it stands where it does is written once, beside the layer, in
 * {@code ClientStacks.defaults()} (mesh-client).
 */
public final class ClientRoles {

    /** One client span per call, with the call's context (trace, calling service) written into its headers. */
    public static final Role TRACING = Role.of("TRACING");
    /** Per-route golden metrics of calls: requests, latency, outcome, retries. */
    public static final Role METRICS = Role.of("METRICS");
    /** Which service, subset and route rule a call follows. */
    public static final Role ROUTING = Role.of("ROUTING");
    /** The route rule's injected delays and aborts. */
    public static final Role FAULTS = Role.of("FAULTS");
    /** The total timeout of a call, bounded by the caller's own deadline and propagated downstream. */
    public static final Role DEADLINE = Role.of("DEADLINE");
    /** A second attempt to another endpoint when the first is slow; the first answer wins. */
    public static final Role HEDGE = Role.of("HEDGE");
    /**
     * Budgeted retries with backoff, each attempt to an endpoint picked anew: the last per-call role; every layer
     * below it runs once per attempt.
     */
    public static final Role RETRY = Role.of("RETRY");
    /** A circuit breaker per endpoint, judging one attempt at a time. */
    public static final Role BREAKER = Role.perAttempt("BREAKER");

    private ClientRoles() {}
}
