package io.mesh4j.client.internal.hedge;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class RecentLatenciesTest {

    @Test
    void knowsNoPercentileUntilItHasEnoughCallsThenReadsItFromTheRecentOnes() {
        final RecentLatencies latencies = new RecentLatencies();
        for (int i = 1; i < RecentLatencies.MIN_SAMPLES; i++) {
            latencies.record(Duration.ofMillis(i).toNanos());
        }
        assertThat(latencies.percentile(95)).isNull();

        for (int i = 0; i < RecentLatencies.SIZE; i++) {
            // 1..100 ms, ten times over.
            latencies.record(Duration.ofMillis(i % 100 + 1).toNanos());
        }
        assertThat(latencies.percentile(95)).isEqualTo(Duration.ofMillis(95));
        assertThat(latencies.percentile(50)).isEqualTo(Duration.ofMillis(50));

        // Only the last thousand count: a route that got slower hedges later.
        for (int i = 0; i < RecentLatencies.SIZE; i++) {
            latencies.record(Duration.ofMillis(200).toNanos());
        }
        assertThat(latencies.percentile(95)).isEqualTo(Duration.ofMillis(200));
    }
}
