package io.mesh4j.server.internal.stack;

import java.util.function.Function;

import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.mesh4j.core.internal.stack.Fusable;
import io.mesh4j.core.stack.AbstractLayer;
import io.mesh4j.core.stack.CommonParams;
import io.mesh4j.core.stack.Role;
import io.mesh4j.core.stack.StackParams;

/**
 * A built-in inbound layer written as an interceptor: the mesh server fuses it with its neighbours
 * ({@link ServicePass#decorator}); on its own, its decorator is a pass of one.
 */
public abstract class FusedServiceLayer extends AbstractLayer<HttpService> implements Fusable<ServiceRequestContext> {

    /**
     * A layer of {@code role} reading, among others, the given parameters that have no default.
     *
     * @param role its role
     * @param requiredParams the parameters without a default it reads
     */
    protected FusedServiceLayer(Role role, StackParams.Key<?>... requiredParams) {
        super(role, requiredParams);
    }

    @Override
    public final Function<? super HttpService, ? extends HttpService> decorator(StackParams params) {
        return ServicePass.alone(role(), interceptor(params), params.get(CommonParams.CLASSIFIER));
    }
}
