package io.mesh4j.core.stack;

import static java.util.Objects.requireNonNull;

/**
 * A layer that knows its role from construction and prints as it; what is left to write is the decorator.
 */
public abstract class AbstractLayer<T> implements Layer<T> {

    private final Role role;

    protected AbstractLayer(Role role) {
        this.role = requireNonNull(role, "role");
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
