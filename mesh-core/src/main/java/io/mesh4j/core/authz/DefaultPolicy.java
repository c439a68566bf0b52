package io.mesh4j.core.authz;

import static java.util.Objects.requireNonNull;

import java.util.Locale;

/**
 * What happens to a request that no access rule and no {@link AllowCallers} annotation decides: it is allowed or
 * refused. The registry holds a mesh-wide default ({@code --default-policy}, {@code allow} unless chosen), and a
 * service's own access policy may set its own ({@code {"default": "deny"}}), which wins over the mesh's.
 *
 * <p>The order in which a request is decided, first match wins: the rules the registry pushed for the service
 * (every request they cover; a policy without a {@code default} covers every request), then the route's
 * {@link AllowCallers}, then the service's default, then the mesh's.
 */
public enum DefaultPolicy {
    /** Every workload of the mesh may call; the behaviour of a mesh before defaults existed. */
    ALLOW,
    /** Nobody may call unless a rule or an annotation allows it: zero trust. */
    DENY;

    /**
     * Returns the policy spelled {@code value}, {@code allow} or {@code deny}, in any case.
     *
     * @param value the spelling, such as {@code "deny"}
     * @return the policy
     * @throws IllegalArgumentException naming the value and the allowed ones
     */
    public static DefaultPolicy of(String value) {
        requireNonNull(value, "value");
        switch (value.toLowerCase(Locale.ROOT)) {
            case "allow":
                return ALLOW;
            case "deny":
                return DENY;
            default:
                throw new IllegalArgumentException("'" + value + "' (expected: allow or deny)");
        }
    }

    /**
     * Returns the policy's spelling in the registry's documents and on the command line.
     *
     * @return {@code allow} or {@code deny}
     */
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return value();
    }
}
