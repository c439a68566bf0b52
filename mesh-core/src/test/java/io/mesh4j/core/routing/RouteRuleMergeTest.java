package io.mesh4j.core.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Precedence: the registry's rule over the annotations' over the defaults, part by part. */
class RouteRuleMergeTest {

    @Test
    void eachPartComesFromTheHighestRuleThatSetsIt() {
        final RouteRule annotations = RouteRule.builder("OrdersApi.order(String)")
                .timeout(Duration.ofSeconds(2))
                .perAttemptTimeout(Duration.ofMillis(500))
                .concurrencyLimit(10)
                .build();
        final RouteRule registry = RouteRule.builder("canary")
                .split(
                        List.of(
                                new WeightedSubset(new Subset(Map.of("version", "v1")), 90),
                                new WeightedSubset(new Subset(Map.of("version", "v2")), 10)),
                        null)
                .concurrencyLimit(3)
                .build();

        final RouteRule merged = registry.over(annotations);

        assertThat(merged.name()).isEqualTo("canary");
        assertThat(merged.split()).isEqualTo(registry.split());
        assertThat(merged.concurrencyLimit()).isEqualTo(3);
        assertThat(merged.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(merged.perAttemptTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(merged.retry()).isNull();
    }

    @Test
    void aPerAttemptTimeoutLongerThanTheMergedTimeoutIsCutToIt() {
        final RouteRule annotations = RouteRule.builder("a")
                .timeout(Duration.ofSeconds(2))
                .perAttemptTimeout(Duration.ofSeconds(1))
                .build();
        final RouteRule registry =
                RouteRule.builder("tight").timeout(Duration.ofMillis(300)).build();

        final RouteRule merged = registry.over(annotations);

        assertThat(merged.timeout()).isEqualTo(Duration.ofMillis(300));
        assertThat(merged.perAttemptTimeout()).isEqualTo(Duration.ofMillis(300));
    }
}
