package io.mesh4j.core.stack;

import java.util.Set;
import java.util.function.Function;

import io.mesh4j.core.annotation.UnstableApi;

/**
 * One job in a request path (retry, deadline, authorization...), named by its {@link Role}.
 *
 * <p>A layer only says how to wrap the next one: the order is the {@link Stack}'s business, so that nobody
 * has to remember that Armeria applies decorators in reverse order of insertion.
 *
 * @param <T> what is wrapped: an Armeria {@code HttpClient} on the outbound side, an {@code HttpService} on
 *            the inbound side
 */
@UnstableApi
public interface Layer<T> {

    /**
     * The job this layer does; one layer per role in a stack.
     */
    Role role();

    /**
     * Returns the function that wraps the next layer (the one nearer the transport or the service) with this
     * one. Called once when the stack is built; what varies per request is read per request from the values
     * in {@code params}, never fixed here.
     */
    Function<? super T, ? extends T> decorator(StackParams params);

    /**
     * The parameters this layer reads from {@link #decorator(StackParams)} that have no default
     * ({@link StackParams.Key#required}): a mesh client or server whose stack has the layer refuses to build
     * without them, naming the layer and the key, rather than failing at the first request. None unless
     * overridden.
     */
    default Set<StackParams.Key<?>> requiredParams() {
        return Set.of();
    }

    /**
     * Returns a layer of the given role made of a plain decorator, for a user's own layer that needs no
     * parameters.
     */
    static <T> Layer<T> of(Role role, Function<? super T, ? extends T> decorator) {
        return new SimpleLayer<>(role, decorator);
    }
}
