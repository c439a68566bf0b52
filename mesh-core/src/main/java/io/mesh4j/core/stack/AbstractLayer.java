package io.mesh4j.core.stack;

import static java.util.Objects.requireNonNull;

import java.util.Set;

import io.mesh4j.core.annotation.UnstableApi;

/**
 * A layer that knows its role from construction and prints as it; what is left to write is the decorator.
 *
 * <pre>{@code
 * final class AuditLayer extends AbstractLayer<HttpClient> {
 *     static final StackParams.Key<AuditSink> SINK = StackParams.Key.required("auditSink");
 *
 *     AuditLayer() {
 *         super(Role.of("AUDIT"), SINK);
 *     }
 *
 *     public Function<? super HttpClient, ? extends HttpClient> decorator(StackParams params) {
 *         AuditSink sink = params.get(SINK);
 *         return delegate -> new AuditingClient(delegate, sink);
 *     }
 * }
 * }</pre>
 *
 * @param <T> what is wrapped: an Armeria {@code HttpClient} or {@code HttpService}
 */
@UnstableApi
public abstract class AbstractLayer<T> implements Layer<T> {

    private final Role role;
    private final Set<StackParams.Key<?>> requiredParams;

    /**
     * A layer of {@code role} that reads, among others, the given parameters that have no default.
     *
     * @param role the role the layer stands under
     * @param requiredParams the keys made with {@link StackParams.Key#required(String)} that the decorator reads;
     *     {@link #requiredParams()} returns them
     * @throws NullPointerException if {@code role} or one of the keys is {@code null}
     * @throws IllegalArgumentException if a key is given twice
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
