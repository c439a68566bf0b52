package io.mesh4j.core.stack;

import static java.util.Objects.requireNonNull;

import java.util.Set;

import io.mesh4j.core.annotation.UnstableApi;

/**
 * A layer that knows its role from construction and prints as it; what is left to write is the decorator.
 */
@UnstableApi
public abstract class AbstractLayer<T> implements Layer<T> {

    private final Role role;
    private final Set<StackParams.Key<?>> requiredParams;

    /**
     * A layer of {@code role} that reads, among others, the given parameters that have no default.
     */
    protected AbstractLayer(Role role, StackParams.Key<?>... requiredParams) {
        this.role = requireNonNull(role, "role");
        this.requiredParams = Set.of(requiredParams);
    }

    @Override
    public Set<StackParams.Key<?>> requiredParams() {
        return requiredParams;
    }

    @Override
    public final Role role() {
        return role;
    }

    @Override
    public String toString() {
        return role.name();
    }
}
