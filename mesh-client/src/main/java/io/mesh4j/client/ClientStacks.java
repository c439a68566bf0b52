package io.mesh4j.client;

import java.util.List;

import com.linecorp.armeria.client.HttpClient;

import io.mesh4j.client.internal.balancer.AttemptFeedback;
import io.mesh4j.client.internal.breaker.BreakerLayer;
import io.mesh4j.client.internal.deadline.DeadlineLayer;
import io.mesh4j.client.internal.faults.FaultLayer;
import io.mesh4j.client.internal.hedge.HedgeLayer;
import io.mesh4j.client.internal.metrics.MetricsLayer;
import io.mesh4j.client.internal.retry.RetryLayer;
import io.mesh4j.client.internal.routing.RoutingLayer;
import io.mesh4j.client.internal.tracing.TracingLayer;
import io.mesh4j.core.internal.stack.Passes;
import io.mesh4j.core.stack.ClientRoles;
import io.mesh4j.core.stack.Role;
import io.mesh4j.core.stack.Stack;

/**
 * The outbound stack, laid out once, in request order: the first layer is the first to see a call.
 *
 * <pre>{@code
 * MeshClient.builder(registry).stack(ClientStacks.defaults().remove(ClientRoles.HEDGE));
 * }</pre>
 */
public final class ClientStacks {

    /**
     * The default outbound stack. Its roles and their order are in {@link io.mesh4j.core.stack.ClientRoles};
     * each layer's line says why it stands where it does. Below the last layer, the balancer picks the endpoint of each attempt and the transport sends it.
     *
     * @return {@code Stack[TRACING -> METRICS -> ROUTING -> FAULTS -> DEADLINE -> HEDGE -> RETRY -> BREAKER]}, new
     *     layers on every call
     */
    public static Stack<HttpClient> defaults() {
        return Stack.of(
                // One client span per call: outermost, so that it covers every attempt and backoff, and every
                // attempt carries its trace context.
                new TracingLayer(),
                // Golden metrics as the caller sees them: outside RETRY, so that a call that succeeded on its
                // second attempt counts once, as a success, with its retries counted beside it.
                new MetricsLayer(),
                // Holds the call to its route (which service, which subset, which rule): decided when Armeria
                // made the call's context, by the preprocessor the mesh client installs for this layer; answers
                // 503 for a subset with no instance, and carries the call's route override downstream.
                new RoutingLayer(),
                // The rule's injected delays and aborts, as if the network did them: above DEADLINE and RETRY,
                // so that an injected abort is not retried and a delay does not eat the call's timeout.
                new FaultLayer(),
                // Bounds all attempts together, by the caller's own deadline too, and tells downstream how long
                // is left: outside RETRY so that retries cannot outlive the call.
                new DeadlineLayer(),
                // A second attempt to another endpoint when the first is slow, if the rule says so: inside
                // DEADLINE, so that hedges cannot outlive the call; outside RETRY, so that each is retried alone.
                new HedgeLayer(),
                // Budgeted retries with backoff; the first attempt is the call itself, each retry re-selects an
                // endpoint: outside BREAKER so that an attempt a breaker refused is requeued to another endpoint,
                // costing the call no attempt.
                new RetryLayer(),
                // Per-endpoint breaker: the innermost layer, because it judges one endpoint by one attempt.
                new BreakerLayer());
    }

    /**
     * Checks that every layer stands on the side of {@code RETRY} its role says: per-call roles above it, per-attempt
     * roles ({@link Role#perAttempt}) below it, where each attempt runs them. Without RETRY a call is one attempt,
     * and per-attempt layers must still come after the per-call ones. {@link MeshClientBuilder#build()} calls it.
     *
     * @param stack the outbound stack to check
     * @throws IllegalArgumentException naming the layer, where it stands, and where it belongs
     */
    public static void checkScopes(Stack<HttpClient> stack) {
        final List<Role> roles = stack.roles();
        final int retry = roles.indexOf(ClientRoles.RETRY);
        boolean perAttemptSeen = false;
        for (int i = 0; i < roles.size(); i++) {
            final Role role = roles.get(i);
            final boolean perAttempt = role.scope() == Role.Scope.PER_ATTEMPT;
            if (retry >= 0 && i < retry && perAttempt) {
                throw new IllegalArgumentException(role + " runs per attempt, but stands above RETRY in " + stack
                        + ", where it would see each call once (expected: after RETRY)");
            }
            if (retry >= 0 && i > retry && !perAttempt) {
                throw new IllegalArgumentException(role + " runs per call, but stands below RETRY in " + stack
                        + ", where every attempt would run it (expected: before RETRY, or a role made with "
                        + "Role.perAttempt(..))");
            }
            if (perAttemptSeen && !perAttempt) {
                throw new IllegalArgumentException(role + " runs per call, but stands below a per-attempt layer in "
                        + stack + " (expected: every per-call layer before every per-attempt one)");
            }
            perAttemptSeen |= perAttempt;
        }
    }

    /**
     * The whole outbound path of a call as the admin endpoint shows it, the parts below the stack included:
     * {@code per call: [TRACING + ... + DEADLINE] -> HEDGE -> RETRY | per attempt: [BREAKER + LOAD_FEEDBACK] -> mTLS}.
     * Layers in brackets run fused, as one pass over the request with one log listener; a layer of the user's own
     * runs as its own decorator between passes. {@code LOAD_FEEDBACK} is the default balancer learning each
     * attempt's latency and outcome (its pick was made before the attempt); a balancer of the user's own observes
     * attempts below the pass instead.
     *
     * @param stack the outbound stack
     * @param tls whether attempts go out over mTLS, checking the server's SPIFFE ID
     * @return one line, the per-call parts, then the per-attempt ones and what runs below them
     */
    public static String describe(Stack<HttpClient> stack, boolean tls) {
        final StringBuilder line = new StringBuilder("per call: ");
        String separator = "";
        boolean perAttempt = false;
        for (Passes.Part part : Passes.describe(stack, List.of(AttemptFeedback.ROLE))) {
            if (!perAttempt && part.scope() == Role.Scope.PER_ATTEMPT) {
                perAttempt = true;
                line.append(" | per attempt: ");
                separator = "";
            }
            line.append(separator).append(part.text());
            separator = " -> ";
        }
        // Below the stack, for every attempt: the transport's TLS proves both sides.
        return line.append(separator)
                .append(tls ? "mTLS (server's SPIFFE ID checked)" : "plaintext")
                .toString();
    }

    private ClientStacks() {}
}
