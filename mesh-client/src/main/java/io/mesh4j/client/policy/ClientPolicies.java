package io.mesh4j.client.policy;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.stack.StackParams;

/**
 * The policy of every service a client calls: one default, and overrides per service. Layers look a policy up
 * per request, and a replacement is atomic: a call sees the old policy or the new one, never half of each.
 */
public final class ClientPolicies {

    /** The stack parameter through which the outbound layers find the policies. */
    public static final StackParams.Key<ClientPolicies> KEY =
            StackParams.Key.of("clientPolicies", () -> of(ClientPolicy.ofDefaults()));

    private volatile ClientPolicy defaultPolicy;
    private final Map<ServiceName, ClientPolicy> overrides = new ConcurrentHashMap<>();

    private ClientPolicies(ClientPolicy defaultPolicy) {
        this.defaultPolicy = defaultPolicy;
    }

    /**
     * Returns policies with this default and no override.
     *
     * @param defaultPolicy the policy of every service without one of its own
     * @return new policies
     */
    public static ClientPolicies of(ClientPolicy defaultPolicy) {
        return new ClientPolicies(requireNonNull(defaultPolicy, "defaultPolicy"));
    }

    /**
     * Returns the policy calls to {@code service} follow now.
     *
     * @param service the called service
     * @return its override, else the default policy
     */
    public ClientPolicy policyFor(ServiceName service) {
        requireNonNull(service, "service");
        return overrides.getOrDefault(service, defaultPolicy);
    }

    /**
     * Replaces the policy of {@code service}; calls that start from now on follow it, its retry budget's values
     * ({@link io.mesh4j.client.retry.RetryConfig#budgetRatio()} and the rest) included: the service's budget
     * keeps the requests and retries it has counted, and weighs them by the new values.
     *
     * @param service the called service
     * @param policy its new policy
     */
    public void replace(ServiceName service, ClientPolicy policy) {
        overrides.put(requireNonNull(service, "service"), requireNonNull(policy, "policy"));
    }

    /**
     * Removes the override of {@code service}, which then follows the default policy again; nothing happens if it
     * has none.
     *
     * @param service the called service
     */
    public void reset(ServiceName service) {
        overrides.remove(requireNonNull(service, "service"));
    }

    /**
     * Replaces the policy of every service without an override of its own.
     *
     * @param policy the new default policy
     */
    public void replaceDefault(ClientPolicy policy) {
        defaultPolicy = requireNonNull(policy, "policy");
    }

    @Override
    public String toString() {
        return "ClientPolicies(default=" + defaultPolicy + ", overrides=" + overrides + ')';
    }
}
