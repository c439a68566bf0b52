package io.mesh4j.client.internal.stack;

import java.util.function.Function;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.HttpClient;

import io.mesh4j.core.internal.stack.Fusable;
import io.mesh4j.core.stack.AbstractLayer;
import io.mesh4j.core.stack.CommonParams;
import io.mesh4j.core.stack.Role;
import io.mesh4j.core.stack.StackParams;

/**
 * A built-in outbound layer written as an interceptor: the mesh client fuses it with its neighbours
 * ({@link ClientPass#decorator}); on its own, its decorator is a pass of one.
 */
public abstract class FusedClientLayer extends AbstractLayer<HttpClient> implements Fusable<ClientRequestContext> {

    /**
     * A layer of {@code role} reading, among others, the given parameters that have no default.
     *
     * @param role its role
     * @param requiredParams the parameters without a default it reads
     */
    protected FusedClientLayer(Role role, StackParams.Key<?>... requiredParams) {
        super(role, requiredParams);
    }

    @Override
    public final Function<? super HttpClient, ? extends HttpClient> decorator(StackParams params) {
        return ClientPass.alone(role(), interceptor(params), params.get(CommonParams.CLASSIFIER));
    }
}
