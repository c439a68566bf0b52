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
     * Returns the job this layer does; a stack holds one layer per role.
     *
     * @return the role, the same on every call
     */
    Role role();

    /**
     * Returns the function that wraps the next layer (the one nearer the transport or the service) with this
     * one. Called once when the stack is built; what varies per request is read per request from the values
     * in {@code params}, never fixed here. The function it returns may be applied more than once: a client's
     * stack once per service it calls, a server's once per service it binds (and its catch-all for unmatched
     * requests), so what the layer's instances must share, such as a counter for the whole server, is made here
     * and not inside the function.
     *
     * @param params what the stack's layers share: the service, the ticker, the classifier, the values of the
     *     builder's {@code stackParam(..)} and those the mesh sets itself
     * @return the decorator; never {@code null} ({@link Stack#decorator(StackParams)} fails on a {@code null} one)
     */
    Function<? super T, ? extends T> decorator(StackParams params);

    /**
     * The parameters this layer reads from {@link #decorator(StackParams)} that have no default
     * ({@link StackParams.Key#required}): a mesh client or server whose stack has the layer refuses to build
     * without them, naming the layer and the key, rather than failing at the first request. None unless
     * overridden.
     *
     * @return the keys; empty unless overridden
     */
    default Set<StackParams.Key<?>> requiredParams() {
        return Set.of();
    }

    /**
     * Returns a layer of the given role made of a plain decorator, for a user's own layer that needs no
     * parameters. It prints as its role's name.
     *
     * <pre>{@code
     * Layer<HttpClient> audit = Layer.of(Role.of("AUDIT"), AuditingClient::new);
     * }</pre>
     *
     * @param <T> what is wrapped: {@code HttpClient} or {@code HttpService}
     * @param role the role the layer stands under
     * @param decorator wraps the next layer; the same function for every build of the stack
     * @return a new layer
     * @throws NullPointerException if {@code role} or {@code decorator} is {@code null}
     */
    static <T> Layer<T> of(Role role, Function<? super T, ? extends T> decorator) {
        return new SimpleLayer<>(role, decorator);
    }
}
