package io.mesh4j.core.internal.summary;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.linecorp.armeria.common.HttpMethod;

import io.mesh4j.core.classify.ResponseClass;
import io.mesh4j.core.internal.telemetry.MeshMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The summaries are filled by the same calls that record the meters, and drained per member. */
class SummariesTest {

    private final MeshMetrics metrics = new MeshMetrics(new SimpleMeterRegistry(), 200, Duration.ofSeconds(10));

    @Test
    void theMetersCallsFillEachSidesEdgeAndADrainResetsIt() {
        for (int i = 0; i < 3; i++) {
            metrics.serverRequest(
                    "orders", "/orders/:id", HttpMethod.GET, 200, ResponseClass.SUCCESS, "frontend", ms(2));
        }
        metrics.serverRequest("orders", "/orders/:id", HttpMethod.GET, 503, ResponseClass.FAILURE, "frontend", ms(40));
        metrics.authorizationCounter("orders", "/orders/:id", "intruder", false).increment();
        metrics.clientRequest("frontend", "orders", "/orders/{id}", HttpMethod.GET, 200, ResponseClass.SUCCESS, ms(3));
        metrics.clientRetries("frontend", "orders", "/orders/{id}", 2);
        metrics.breakerTransition("frontend", "orders", "10.0.0.1:8080", "CLOSED", "OPEN");
        metrics.breakerTransition("frontend", "orders", "10.0.0.1:8080", "OPEN", "HALF_OPEN");

        final List<EdgeSummary> orders = metrics.summaries().drain("orders", 100);
        final EdgeSummary served = only(orders, "frontend", "/orders/:id");
        assertThat(served.side()).isEqualTo(Summaries.Side.SERVER);
        assertThat(served.requests()).isEqualTo(4);
        assertThat(served.successes()).isEqualTo(3);
        assertThat(served.latency()[LatencyBuckets.indexOf(ms(2))]).isEqualTo(3);
        assertThat(served.latency()[LatencyBuckets.indexOf(ms(40))]).isEqualTo(1);
        assertThat(only(orders, "intruder", "/orders/:id").denials()).isEqualTo(1);
        // orders did not make frontend's calls: they are frontend's to report.
        assertThat(orders).allMatch(summary -> summary.side() == Summaries.Side.SERVER);

        final List<EdgeSummary> frontend = metrics.summaries().drain("frontend", 100);
        final EdgeSummary called = only(frontend, "frontend", "/orders/{id}");
        assertThat(called.side()).isEqualTo(Summaries.Side.CLIENT);
        assertThat(called.requests()).isEqualTo(1);
        assertThat(called.retries()).isEqualTo(2);
        assertThat(only(frontend, "frontend", Summaries.WHOLE_EDGE).ejections()).isEqualTo(1);

        assertThat(metrics.summaries().drain("orders", 100)).isEmpty();
        assertThat(metrics.summaries().drain("frontend", 100)).isEmpty();
    }

    @Test
    void pastItsLimitAMemberCountsNewEdgesUnderOtherAndADrainTakesAtMostWhatItIsAsked() {
        final Summaries summaries = new Summaries(Duration.ofSeconds(10));
        for (int i = 0; i < Summaries.MAX_CELLS + 10; i++) {
            summaries.cell(Summaries.Side.SERVER, "caller-" + i, "orders", "/r").record(ms(1), true);
        }
        int drained = 0;
        long requests = 0;
        List<EdgeSummary> batch;
        while (!(batch = summaries.drain("orders", 500)).isEmpty()) {
            assertThat(batch).hasSizeLessThanOrEqualTo(500);
            drained += batch.size();
            requests += batch.stream().mapToLong(EdgeSummary::requests).sum();
        }
        assertThat(drained).isEqualTo(Summaries.MAX_CELLS + 1);
        assertThat(requests).isEqualTo(Summaries.MAX_CELLS + 10);
    }

    private static EdgeSummary only(List<EdgeSummary> summaries, String caller, String route) {
        return summaries.stream()
                .filter(s -> s.caller().equals(caller) && s.route().equals(route))
                .reduce((a, b) -> {
                    throw new AssertionError("two summaries of " + caller + ' ' + route);
                })
                .orElseThrow(() -> new AssertionError("no summary of " + caller + ' ' + route + " in " + summaries));
    }

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }
}
