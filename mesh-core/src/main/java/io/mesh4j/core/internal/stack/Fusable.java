package io.mesh4j.core.internal.stack;

import com.linecorp.armeria.common.RequestContext;

import io.mesh4j.core.stack.StackParams;

/**
 * A built-in layer that can run inside a {@link Pass}. Its {@code decorator(..)} stays, for a stack that runs it
 * alone; the mesh's own stacks run a run of adjacent fusable layers as one pass instead.
 *
 * @param <C> the request's context the interceptor reads
 */
public interface Fusable<C extends RequestContext> {

    /**
     * Returns this layer's interceptor; called once when the stack is built, as {@code decorator(..)} would be.
     *
     * @param params the stack's parameters
     * @return the interceptor, shared by every request
     */
    Interceptor<C> interceptor(StackParams params);
}
