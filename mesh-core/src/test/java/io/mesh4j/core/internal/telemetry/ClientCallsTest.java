package io.mesh4j.core.internal.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.linecorp.armeria.common.HttpMethod;

import io.mesh4j.core.classify.ResponseClass;
import io.mesh4j.core.internal.summary.EdgeSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** An edge's recorder finds the same series {@link MeshMetrics#clientRequest} does, and keeps to the label guard. */
class ClientCallsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MeshMetrics metrics = new MeshMetrics(registry, 2, Duration.ofSeconds(10));

    @Test
    void recordsIntoTheSeriesClientRequestRecordsIntoOnePerMethodStatusAndOutcome() {
        final MeshMetrics.ClientCalls calls = metrics.clientCalls("frontend", "orders");
        calls.record("/orders/{id}", HttpMethod.GET, 200, ResponseClass.SUCCESS, ms(3));
        calls.record("/orders/{id}", HttpMethod.GET, 200, ResponseClass.SUCCESS, ms(3));
        metrics.clientRequest("frontend", "orders", "/orders/{id}", HttpMethod.GET, 200, ResponseClass.SUCCESS, ms(3));
        calls.record("/orders/{id}", HttpMethod.GET, 503, ResponseClass.RETRYABLE_FAILURE, ms(3));
        calls.record("/orders/{id}", HttpMethod.POST, 200, ResponseClass.SUCCESS, ms(3));
        calls.record("/orders/{id}", HttpMethod.GET, 0, ResponseClass.FAILURE, ms(3));

        assertThat(count("/orders/{id}", "GET", "200", "success")).isEqualTo(3);
        assertThat(count("/orders/{id}", "GET", "503", "retryable_failure")).isEqualTo(1);
        assertThat(count("/orders/{id}", "POST", "200", "success")).isEqualTo(1);
        assertThat(count("/orders/{id}", "GET", "0", "failure")).isEqualTo(1);
        // The edge's summary, as the registry is sent it, counts them all once.
        final EdgeSummary edge = metrics.summaries().drain("frontend", 100).stream()
                .filter(summary -> "/orders/{id}".equals(summary.route()))
                .findFirst()
                .orElseThrow();
        assertThat(edge.requests()).isEqualTo(6);
        assertThat(edge.successes()).isEqualTo(4);
    }

    @Test
    void routesPastTheGuardsBoundAreRecordedAsOtherAndAdmittedOnesStayTheirOwn() {
        final MeshMetrics.ClientCalls calls = metrics.clientCalls("frontend", "orders");
        calls.record("/a", HttpMethod.GET, 200, ResponseClass.SUCCESS, ms(1));
        calls.record("/b", HttpMethod.GET, 200, ResponseClass.SUCCESS, ms(1));
        calls.record("/c", HttpMethod.GET, 200, ResponseClass.SUCCESS, ms(1));
        calls.record("/d", HttpMethod.GET, 200, ResponseClass.SUCCESS, ms(1));
        calls.record("/a", HttpMethod.GET, 200, ResponseClass.SUCCESS, ms(1));

        assertThat(count("/a", "GET", "200", "success")).isEqualTo(2);
        assertThat(count("/b", "GET", "200", "success")).isEqualTo(1);
        assertThat(count(LabelGuard.OTHER, "GET", "200", "success")).isEqualTo(2);
        assertThat(registry.find("mesh.client.requests").tag("route", "/c").timer())
                .isNull();
        // Another edge's recorder shares the guard: the service's routes are bounded whoever records them.
        metrics.clientCalls("billing", "orders").record("/e", HttpMethod.GET, 200, ResponseClass.SUCCESS, ms(1));
        assertThat(count(LabelGuard.OTHER, "GET", "200", "success")).isEqualTo(3);
    }

    private long count(String route, String method, String status, String outcome) {
        final Timer timer = registry.find("mesh.client.requests")
                .tag("service", "orders")
                .tag("route", route)
                .tag("method", method)
                .tag("status", status)
                .tag("outcome", outcome)
                .timer();
        return timer == null ? 0 : timer.count();
    }

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }
}
