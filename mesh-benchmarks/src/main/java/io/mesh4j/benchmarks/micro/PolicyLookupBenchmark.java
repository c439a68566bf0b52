package io.mesh4j.benchmarks.micro;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import io.mesh4j.client.policy.ClientPolicies;
import io.mesh4j.client.policy.ClientPolicy;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.policy.PolicyRegistry;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteRule;

/**
 * The per-request policy lookups: the client policy of the service called (timeouts, retries, breakers) among a
 * hundred services with overrides, and the live route config of the service from the policy registry the
 * registry's pushes replace.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PolicyLookupBenchmark {

    private static final int SERVICES = 100;

    private ClientPolicies policies;
    private PolicyRegistry routes;
    private ServiceName overridden;
    private ServiceName defaulted;

    @Setup(Level.Trial)
    public void setUp() {
        policies = ClientPolicies.of(ClientPolicy.ofDefaults());
        routes = PolicyRegistry.offline();
        for (int i = 0; i < SERVICES; i++) {
            final ServiceName service = ServiceName.of("service-" + i);
            policies.replace(
                    service,
                    ClientPolicy.builder().timeout(Duration.ofMillis(100 + i)).build());
            routes.replace(
                    service, new RouteConfig(List.of(RouteRule.builder("all").build())));
        }
        overridden = ServiceName.of("service-" + SERVICES / 2);
        defaulted = ServiceName.of("no-override");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        routes.close();
    }

    @Benchmark
    public ClientPolicy clientPolicyOverridden() {
        return policies.policyFor(overridden);
    }

    @Benchmark
    public ClientPolicy clientPolicyDefault() {
        return policies.policyFor(defaulted);
    }

    @Benchmark
    public RouteConfig liveRouteConfig() {
        return routes.routes(overridden).current();
    }
}
