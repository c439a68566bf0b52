package io.mesh4j.benchmarks.micro;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;

import io.mesh4j.core.routing.PathMatch;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteMatch;
import io.mesh4j.core.routing.RouteRule;

/**
 * Route matching, which the ROUTING layer runs once per call: a config of ten rules of every path kind (exact,
 * prefix, template, regex, with methods and a header), matched by a request that the first rule takes, one that
 * the last takes, and one that none takes (every rule tried).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RouteMatchBenchmark {

    private RouteConfig config;
    private RequestHeaders first;
    private RequestHeaders last;
    private RequestHeaders none;

    @Setup(Level.Trial)
    public void setUp() {
        final List<RouteRule> rules = new ArrayList<>();
        rules.add(rule(
                "canary",
                new RouteMatch(PathMatch.of(PathMatch.Kind.PREFIX, "/orders"), Set.of(), Map.of("x-canary", "true"))));
        for (int i = 0; i < 4; i++) {
            rules.add(rule(
                    "exact-" + i,
                    new RouteMatch(
                            PathMatch.of(PathMatch.Kind.EXACT, "/v" + i + "/health"),
                            Set.of(HttpMethod.GET),
                            Map.of())));
            rules.add(rule(
                    "template-" + i,
                    new RouteMatch(
                            PathMatch.of(PathMatch.Kind.TEMPLATE, "/v" + i + "/users/{id}/carts/{cart}"),
                            Set.of(HttpMethod.GET, HttpMethod.POST),
                            Map.of())));
        }
        rules.add(rule(
                "regex",
                new RouteMatch(PathMatch.of(PathMatch.Kind.REGEX, "^/reports/[0-9]{4}/.*$"), Set.of(), Map.of())));
        config = new RouteConfig(rules);
        first = RequestHeaders.builder(HttpMethod.GET, "/orders/42")
                .add("x-canary", "true")
                .build();
        last = RequestHeaders.builder(HttpMethod.GET, "/reports/2026/q4").build();
        none = RequestHeaders.builder(HttpMethod.GET, "/nowhere/at/all").build();
    }

    private static RouteRule rule(String name, RouteMatch match) {
        return RouteRule.builder(name).match(match).build();
    }

    @Benchmark
    public Optional<RouteRule> firstRuleMatches() {
        return config.match(first.method(), first.path(), first);
    }

    @Benchmark
    public Optional<RouteRule> lastRuleMatches() {
        return config.match(last.method(), last.path(), last);
    }

    @Benchmark
    public Optional<RouteRule> noRuleMatches() {
        return config.match(none.method(), none.path(), none);
    }
}
