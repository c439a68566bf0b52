package io.mesh4j.core.stack;

import static java.util.Objects.requireNonNull;

import java.util.regex.Pattern;

/**
 * The name of the job a {@link Layer} does in a {@link Stack}, such as {@code RETRY}, and how often it runs for
 * one call. Users find, insert before, replace or remove a layer by its role, never by its class, so that an
 * implementation can change without breaking anybody's stack.
 *
 * <p>On the outbound side a call may take several attempts: a layer runs either once per call (above
 * {@code RETRY}, which makes the attempts) or once per attempt (below it), and its role says which, so that a
 * layer placed on the wrong side of {@code RETRY} fails the client's build instead of running a different number
 * of times than its author meant. Inbound, every layer runs once per request: {@link #of(String)}.
 */
public final class Role {

    /** How often a layer of the role runs for one call. */
    public enum Scope {
        /** Once per call, however many attempts it takes; and once per request on the inbound side. */
        PER_CALL,
        /** Once per attempt, each with its own endpoint: {@code ctx.endpoint()} is the attempt's. */
        PER_ATTEMPT
    }

    private static final Pattern NAME = Pattern.compile("[A-Z][A-Z0-9_]*");

    private final String name;
    private final Scope scope;

    private Role(String name, Scope scope) {
        this.name = name;
        this.scope = scope;
    }

    /**
     * Returns the role of the given name, an upper-case identifier such as {@code RATE_LIMIT}, whose layer runs
     * once per call (outbound) or once per request (inbound). Two roles of the same name are equal, whatever
     * their scope.
     *
     * @param name upper-case letters, digits and {@code _}, starting with a letter
     * @return the role, of scope {@link Scope#PER_CALL}
     * @throws NullPointerException if {@code name} is {@code null}
     * @throws IllegalArgumentException if {@code name} is not such an identifier
     */
    public static Role of(String name) {
        return new Role(checkName(name), Scope.PER_CALL);
    }

    /**
     * Returns the role of the given name whose layer runs once per attempt of a call, below {@code RETRY}, such
     * as {@code BREAKER}; outbound only.
     *
     * <pre>{@code
     * Layer<HttpClient> perAttempt = Layer.of(Role.perAttempt("ATTEMPT_LOG"), AttemptLoggingClient::new);
     * MeshClient.builder(registry).stack(s -> s.append(perAttempt));
     * }</pre>
     *
     * @param name upper-case letters, digits and {@code _}, starting with a letter
     * @return the role, of scope {@link Scope#PER_ATTEMPT}
     * @throws NullPointerException if {@code name} is {@code null}
     * @throws IllegalArgumentException if {@code name} is not such an identifier
     */
    public static Role perAttempt(String name) {
        return new Role(checkName(name), Scope.PER_ATTEMPT);
    }

    private static String checkName(String name) {
        requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "role name: " + name + " (expected: upper case letters, digits and '_', such as RATE_LIMIT)");
        }
        return name;
    }

    /**
     * Returns the role's name: what stacks print and what finds a layer.
     *
     * @return the name, such as {@code RETRY}
     */
    public String name() {
        return name;
    }

    /**
     * Returns whether a layer of this role runs once per call or once per attempt.
     *
     * @return the scope
     */
    public Scope scope() {
        return scope;
    }

    /** Roles are equal by name: a stack holds one layer per name, whatever its scope. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Role && ((Role) o).name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name;
    }
}
