package io.mesh4j.benchmarks.micro;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.client.endpoint.EndpointSelector;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;

import io.mesh4j.client.balancer.BalancerFactory;
import io.mesh4j.client.balancer.Balancers;
import io.mesh4j.core.stack.StackParams;

/**
 * The balancer's pick, which Armeria runs for every attempt: each balancer's selector over a static group of
 * endpoints, as the mesh client builds it ({@link Balancers}, the breaker check included).
 *
 * <p>P2C-EWMA reads two endpoints' loads per pick; here nothing is in flight and no latency has been observed,
 * so its cost is the pick and the load arithmetic, not contention on the counters.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class EndpointPickBenchmark {

    @Param({"p2c-ewma", "round-robin", "random"})
    public String balancer;

    @Param({"5", "100"})
    public int endpoints;

    private EndpointGroup group;
    private EndpointSelector selector;
    private ClientRequestContext ctx;

    @Setup(Level.Trial)
    public void setUp() {
        final List<Endpoint> list = new ArrayList<>();
        for (int i = 0; i < endpoints; i++) {
            list.add(Endpoint.of("10.0." + i / 250 + '.' + (i % 250 + 1), 8080));
        }
        group = EndpointGroup.of(list);
        selector = factory(balancer)
                .newBalancer(StackParams.empty())
                .selectionStrategy()
                .newSelector(group);
        ctx = ClientRequestContext.of(HttpRequest.of(HttpMethod.GET, "/orders/42"));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        group.close();
    }

    @Benchmark
    public Endpoint pick() {
        return selector.selectNow(ctx);
    }

    private static BalancerFactory factory(String name) {
        switch (name) {
            case "p2c-ewma":
                return Balancers.p2cPeakEwma();
            case "round-robin":
                return Balancers.roundRobin();
            case "random":
                return Balancers.random();
            default:
                throw new IllegalArgumentException("balancer: " + name);
        }
    }
}
