package io.mesh4j.benchmarks.balancer;

import java.util.List;

import io.mesh4j.client.balancer.BalancerFactory;
import io.mesh4j.client.balancer.Balancers;
import io.mesh4j.core.discovery.ServiceName;

/**
 * One balancer under test and the service it calls: the four cases of the issue.
 */
enum BalancerCase {
    P2C_EWMA("P2C peak-EWMA (the default)", Balancers.p2cPeakEwma(), Backends.ALL),
    ROUND_ROBIN("round robin", Balancers.roundRobin(), Backends.ALL),
    RANDOM("random", Balancers.random(), Backends.ALL),
    IDEAL("ideal: P2C peak-EWMA, slow instance removed", Balancers.p2cPeakEwma(), Backends.FAST_ONLY);

    private final String label;
    private final BalancerFactory factory;
    private final ServiceName service;

    BalancerCase(String label, BalancerFactory factory, ServiceName service) {
        this.label = label;
        this.factory = factory;
        this.service = service;
    }

    String label() {
        return label;
    }

    BalancerFactory factory() {
        return factory;
    }

    ServiceName service() {
        return service;
    }

    /** How many instances this case's service has: all of them, or all but the slow one. */
    int instances(int all) {
        return service.equals(Backends.ALL) ? all : all - 1;
    }

    static List<BalancerCase> all() {
        return List.of(values());
    }
}
