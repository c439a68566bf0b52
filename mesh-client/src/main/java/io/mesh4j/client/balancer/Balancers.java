package io.mesh4j.client.balancer;

import io.mesh4j.client.balancer.p2c.PeakEwmaBalancer;
import io.mesh4j.client.balancer.roundrobin.RoundRobinBalancer;
import io.mesh4j.client.balancer.weighted.WeightedRoundRobinBalancer;
import io.mesh4j.core.stack.CommonParams;

/**
 * The balancers mesh4j offers, one package each.
 */
public final class Balancers {

    /**
     * The default: of two endpoints picked at random, the one with the lower peak-EWMA latency times
     * (in-flight requests + 1). It sends less to a slow or busy endpoint within a few requests, and costs two
     * random numbers per pick however many endpoints there are. Finagle's and Linkerd's default.
     */
    public static BalancerFactory p2cPeakEwma() {
        return params -> new PeakEwmaBalancer(params.get(CommonParams.TICKER));
    }

    /**
     * Each endpoint in turn, whatever its load or weight.
     */
    public static BalancerFactory roundRobin() {
        return params -> new RoundRobinBalancer();
    }

    /**
     * Each endpoint in turn, as often as its registered weight says.
     */
    public static BalancerFactory weightedRoundRobin() {
        return params -> new WeightedRoundRobinBalancer();
    }

    private Balancers() {}
}
