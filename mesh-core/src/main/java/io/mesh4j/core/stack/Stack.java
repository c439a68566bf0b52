package io.mesh4j.core.stack;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * An immutable, ordered list of {@link Layer}s, one per {@link Role}, listed in request order: the first layer
 * is the first to see a request and the last to see its response.
 *
 * <p>Every change returns a new stack, so a default stack can be shared and adjusted per service:
 * <pre>{@code
 * Stack<HttpClient> stack = ClientStacks.defaults()
 *         .insertBefore(ClientRoles.RETRY, Layer.of(Role.of("AUDIT"), AuditingClient::new))
 *         .remove(ClientRoles.BREAKER);
 * }</pre>
 *
 * @param <T> what the layers wrap: an Armeria {@code HttpClient} or {@code HttpService}
 */
public final class Stack<T> {

    private final List<Layer<T>> layers;

    private Stack(List<Layer<T>> layers) {
        this.layers = List.copyOf(layers);
        final Set<Role> seen = new HashSet<>();
        for (Layer<T> layer : this.layers) {
            if (!seen.add(layer.role())) {
                throw new IllegalArgumentException(
                        "role " + layer.role() + " appears twice in " + roles() + " (expected: one layer per role)");
            }
        }
    }

    /**
     * Returns a stack of the given layers, in request order.
     *
     * @param <T> what the layers wrap
     * @param layers the layers, the first nearest the caller
     * @return a new stack
     * @throws NullPointerException if a layer is {@code null}
     * @throws IllegalArgumentException if two layers have the same role
     */
    @SafeVarargs
    public static <T> Stack<T> of(Layer<T>... layers) {
        requireNonNull(layers, "layers");
        final List<Layer<T>> list = new ArrayList<>(layers.length);
        for (Layer<T> layer : layers) {
            list.add(requireNonNull(layer, "layer"));
        }
        return new Stack<>(list);
    }

    /**
     * Returns an empty stack: requests go straight to the transport or the service.
     *
     * @param <T> what the layers would wrap
     * @return a stack with no layer
     */
    public static <T> Stack<T> empty() {
        return new Stack<>(List.of());
    }

    /**
     * Returns a copy with {@code layer} placed right before (nearer the caller than) the layer of {@code role}.
     *
     * @param role the role of a layer in this stack
     * @param layer the layer to add
     * @return a new stack; this one is unchanged
     * @throws IllegalArgumentException if no layer has {@code role}, or if the stack already has a layer of
     *     {@code layer}'s role
     */
    public Stack<T> insertBefore(Role role, Layer<T> layer) {
        final List<Layer<T>> copy = new ArrayList<>(layers);
        copy.add(indexOf(role), requireNonNull(layer, "layer"));
        return new Stack<>(copy);
    }

    /**
     * Returns a copy with {@code layer} placed right after (nearer the transport or service than) the layer of
     * {@code role}.
     *
     * @param role the role of a layer in this stack
     * @param layer the layer to add
     * @return a new stack; this one is unchanged
     * @throws IllegalArgumentException if no layer has {@code role}, or if the stack already has a layer of
     *     {@code layer}'s role
     */
    public Stack<T> insertAfter(Role role, Layer<T> layer) {
        final List<Layer<T>> copy = new ArrayList<>(layers);
        copy.add(indexOf(role) + 1, requireNonNull(layer, "layer"));
        return new Stack<>(copy);
    }

    /**
     * Returns a copy with {@code layer} at the end, the nearest to the transport or the service.
     *
     * @param layer the layer to add
     * @return a new stack; this one is unchanged
     * @throws IllegalArgumentException if the stack already has a layer of {@code layer}'s role
     */
    public Stack<T> append(Layer<T> layer) {
        final List<Layer<T>> copy = new ArrayList<>(layers);
        copy.add(requireNonNull(layer, "layer"));
        return new Stack<>(copy);
    }

    /**
     * Returns a copy in which {@code layer} stands where the layer of its role stood.
     *
     * @param layer the new layer of its role
     * @return a new stack; this one is unchanged
     * @throws IllegalArgumentException if no layer has {@code layer}'s role
     */
    public Stack<T> replace(Layer<T> layer) {
        requireNonNull(layer, "layer");
        final List<Layer<T>> copy = new ArrayList<>(layers);
        copy.set(indexOf(layer.role()), layer);
        return new Stack<>(copy);
    }

    /**
     * Returns a copy without the layer of {@code role}.
     *
     * @param role the role of a layer in this stack
     * @return a new stack; this one is unchanged
     * @throws IllegalArgumentException if no layer has {@code role}
     */
    public Stack<T> remove(Role role) {
        final List<Layer<T>> copy = new ArrayList<>(layers);
        copy.remove(indexOf(role));
        return new Stack<>(copy);
    }

    /**
     * Returns the layer of {@code role}, if the stack has one.
     *
     * @param role the role to look for
     * @return the layer, or empty if the stack has none of {@code role}
     */
    public Optional<Layer<T>> get(Role role) {
        requireNonNull(role, "role");
        return layers.stream().filter(layer -> layer.role().equals(role)).findFirst();
    }

    /**
     * Returns whether the stack has a layer of {@code role}.
     *
     * @param role the role to look for
     * @return {@code true} if a layer of {@code role} is in the stack
     */
    public boolean contains(Role role) {
        return get(role).isPresent();
    }

    /**
     * Checks that every parameter a layer declares it needs ({@link Layer#requiredParams()}) is either in
     * {@code params} or among those the mesh sets itself when it builds the stack.
     *
     * @param params the parameters set by the user
     * @param setByTheMesh the keys the mesh sets itself when it builds the stack, which need not be in {@code params}
     * @param setBy what sets parameters, to name in the message, such as {@code "MeshClientBuilder.stackParam(..)"}
     * @throws IllegalArgumentException if a required key is in neither, naming the layer, the parameter, and
     *     {@code setBy}
     */
    public void checkParams(StackParams params, Set<StackParams.Key<?>> setByTheMesh, String setBy) {
        requireNonNull(params, "params");
        requireNonNull(setByTheMesh, "setByTheMesh");
        for (Layer<T> layer : layers) {
            for (StackParams.Key<?> key : layer.requiredParams()) {
                if (key.isRequired() && !params.contains(key) && !setByTheMesh.contains(key)) {
                    throw new IllegalArgumentException("layer " + layer.role() + " needs the stack parameter '"
                            + key.name() + "', which is not set (expected: " + setBy + " with it)");
                }
            }
        }
    }

    /**
     * Returns the roles in request order.
     *
     * @return an unmodifiable list, the first role nearest the caller
     */
    public List<Role> roles() {
        return layers.stream().map(Layer::role).collect(Collectors.toUnmodifiableList());
    }

    /**
     * Returns one function that wraps a transport (or a service) in every layer, so that the first layer of
     * this stack is the outermost. Applying it innermost-first is what makes the listed order the request
     * order.
     *
     * <p>Every layer's {@link Layer#decorator(StackParams)} is called once, here.
     *
     * @param params what the layers share
     * @return a function that wraps its argument in every layer
     * @throws NullPointerException if a layer returns no decorator, naming its role
     */
    public Function<T, T> decorator(StackParams params) {
        requireNonNull(params, "params");
        final List<Function<? super T, ? extends T>> decorators = new ArrayList<>(layers.size());
        for (Layer<T> layer : layers) {
            decorators.add(requireNonNull(layer.decorator(params), () -> layer.role() + " returned no decorator"));
        }
        return innermost -> {
            T wrapped = innermost;
            for (int i = decorators.size() - 1; i >= 0; i--) {
                wrapped = decorators.get(i).apply(wrapped);
            }
            return wrapped;
        };
    }

    /**
     * Wraps {@code innermost} in every layer; see {@link #decorator(StackParams)}.
     *
     * @param innermost the transport (an {@code HttpClient}) or the service (an {@code HttpService})
     * @param params what the layers share
     * @return {@code innermost} wrapped by the last layer, then the one before, up to the first
     */
    public T build(T innermost, StackParams params) {
        return decorator(params).apply(requireNonNull(innermost, "innermost"));
    }

    private int indexOf(Role role) {
        requireNonNull(role, "role");
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).role().equals(role)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no layer of role " + role + " in " + roles());
    }

    /**
     * Lists the roles in request order, such as {@code Stack[DEADLINE -> RETRY -> BREAKER]}.
     *
     * @return the roles, joined by {@code " -> "}
     */
    @Override
    public String toString() {
        return layers.stream().map(layer -> layer.role().name()).collect(Collectors.joining(" -> ", "Stack[", "]"));
    }
}
