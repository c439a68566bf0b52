package io.mesh4j.core.stack;

import static java.util.Objects.requireNonNull;

import java.util.function.Function;

/** A layer that is a plain decorator under a role. */
final class SimpleLayer<T> extends AbstractLayer<T> {

    private final Function<? super T, ? extends T> decorator;

    SimpleLayer(Role role, Function<? super T, ? extends T> decorator) {
        super(role);
        this.decorator = requireNonNull(decorator, "decorator");
    }

    @Override
    public Function<? super T, ? extends T> decorator(StackParams params) {
        return decorator;
    }
}
