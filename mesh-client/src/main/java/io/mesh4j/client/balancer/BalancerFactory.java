package io.mesh4j.client.balancer;

import io.mesh4j.core.annotation.UnstableApi;
import io.mesh4j.core.stack.StackParams;

/**
 * Makes the {@link Balancer} of one service's client; what it learns of endpoints belongs to that client. The
 * mesh client calls it once per called service, when that service's client is first asked for.
 *
 * <pre>{@code
 * MeshClient.builder(registry).balancer(Balancers.p2cPeakEwma(Duration.ofSeconds(30))).build();
 * }</pre>
 */
@FunctionalInterface
@UnstableApi
public interface BalancerFactory {

    /**
     * Returns a new balancer for the service that {@code params} names.
     *
     * @param params the parameters of the service's stack: the service, the ticker, the endpoint availability
     * @return a new balancer
     */
    Balancer newBalancer(StackParams params);
}
