package io.mesh4j.client.balancer;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

import com.linecorp.armeria.client.endpoint.EndpointSelectionStrategy;

import io.mesh4j.client.internal.balancer.p2c.PeakEwmaBalancer;
import io.mesh4j.client.internal.balancer.random.RandomBalancer;
import io.mesh4j.client.internal.balancer.roundrobin.RoundRobinBalancer;
import io.mesh4j.client.internal.balancer.weighted.WeightedRoundRobinBalancer;
import io.mesh4j.core.stack.CommonParams;

/**
 * The balancers mesh4j offers. Every one passes over endpoints whose circuit breaker would refuse the attempt
 * ({@link EndpointAvailability}). Give one to {@code MeshClientBuilder.balancer(..)}; {@link #p2cPeakEwma()} unless
 * set.
 */
public final class Balancers {

    /**
     * The default: of two endpoints picked at random, the one with the lower peak-EWMA latency times
     * (in-flight requests + 1). It sends less to a slow or busy endpoint within a few requests, and costs two
     * random numbers per pick however many endpoints there are. Finagle's and Linkerd's default.
     *
     * <p>It follows the registered weights: of two equally fast endpoints, one of weight 200 gets twice the picks
     * of one of weight 100, whether calls overlap or come one at a time, and a slower or failing one still gets
     * less, whatever its weight. While every weight is the same, it is the plain comparison above.
     *
     * @return the factory of the default balancer
     */
    public static BalancerFactory p2cPeakEwma() {
        return p2cPeakEwma(Duration.ZERO);
    }

    /**
     * {@link #p2cPeakEwma()} with slow start: an instance that joins gets a share that ramps up over
     * {@code slowStart}, from a tenth of what its load would win to all of it, so that a cold JVM is warmed by
     * a trickle rather than a flood.
     *
     * @param slowStart how long a new instance's share ramps up for, {@code >= 0}; {@link Duration#ZERO} for no
     *     slow start
     * @return the factory
     * @throws NullPointerException if {@code slowStart} is {@code null}
     * @throws IllegalArgumentException if {@code slowStart} is negative
     */
    public static BalancerFactory p2cPeakEwma(Duration slowStart) {
        requireNonNull(slowStart, "slowStart");
        if (slowStart.isNegative()) {
            throw new IllegalArgumentException("Balancers.p2cPeakEwma(slowStart): " + slowStart
                    + " (expected: >= 0, such as Duration.ofSeconds(30); Duration.ZERO or p2cPeakEwma() for no slow "
                    + "start)");
        }
        return params ->
                new PeakEwmaBalancer(params.get(CommonParams.TICKER), params.get(EndpointAvailability.KEY), slowStart);
    }

    /**
     * Each endpoint in turn, whatever its load or weight.
     *
     * @return the factory
     */
    public static BalancerFactory roundRobin() {
        return params -> availableFirst(new RoundRobinBalancer(), params.get(EndpointAvailability.KEY));
    }

    /**
     * An endpoint picked uniformly at random, whatever its load or weight: the baseline the load-aware default
     * is measured against (BENCHMARKS.md).
     *
     * @return the factory
     */
    public static BalancerFactory random() {
        return params -> availableFirst(new RandomBalancer(), params.get(EndpointAvailability.KEY));
    }

    /**
     * Each endpoint in turn, as often as its registered weight says.
     *
     * @return the factory
     */
    public static BalancerFactory weightedRoundRobin() {
        return params -> availableFirst(new WeightedRoundRobinBalancer(), params.get(EndpointAvailability.KEY));
    }

    /** A load-blind balancer that passes over the endpoints its breakers would refuse. */
    private static Balancer availableFirst(Balancer balancer, EndpointAvailability availability) {
        final EndpointSelectionStrategy strategy = new AvailableFirst(balancer.selectionStrategy(), availability);
        return new Balancer() {
            @Override
            public EndpointSelectionStrategy selectionStrategy() {
                return strategy;
            }

            @Override
            public String toString() {
                return balancer.toString();
            }
        };
    }

    private Balancers() {}
}
