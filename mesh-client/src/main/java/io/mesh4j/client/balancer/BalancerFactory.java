package io.mesh4j.client.balancer;

import io.mesh4j.core.annotation.UnstableApi;
import io.mesh4j.core.stack.StackParams;

/**
 * Makes the {@link Balancer} of one service's client; what it learns of endpoints belongs to that client.
 */
@FunctionalInterface
@UnstableApi
public interface BalancerFactory {

    /**
     * @param params the parameters of the service's stack: the service, the ticker
     */
    Balancer newBalancer(StackParams params);
}
