package io.mesh4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.linecorp.armeria.client.ResponseTimeoutException;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;

import io.mesh4j.client.policy.ClientPolicy;
import io.mesh4j.client.retry.RetryConfig;
import io.mesh4j.core.deadline.Deadline;
import io.mesh4j.core.stack.ClientRoles;

class DeadlineTest {

    @RegisterExtension
    final RegistryExtension registry = new RegistryExtension();

    @Test
    void theTotalTimeoutBoundsEveryAttemptTogether() {
        final ClientPolicy policy = ClientPolicy.builder()
                .timeout(Duration.ofMillis(500))
                .retry(RetryConfig.builder().maxAttempts(10).build())
                .build();
        try (Backend slowAndFailing = Backend.start(
                        registry.client(),
                        "orders",
                        "a",
                        (ctx, req) -> HttpResponse.delayed(
                                HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE), Duration.ofMillis(200)));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .defaultPolicy(policy)
                        .stack(s -> s.remove(ClientRoles.BREAKER))
                        .build()) {
            final WebClient orders = RetryTest.connected(mesh, "orders", 1);

            final long start = System.nanoTime();
            final HttpStatus status = orders.get("/")
                    .aggregate()
                    .handle((res, cause) -> cause == null ? res.status() : null)
                    .join();
            final Duration took = Duration.ofNanos(System.nanoTime() - start);

            // Two or three attempts of 200 ms fit in 500 ms; ten would take two seconds.
            assertThat(slowAndFailing.hits.get()).isBetween(2, 3);
            assertThat(took).isLessThan(Duration.ofMillis(1500));
            assertThat(status).isNotEqualTo(HttpStatus.OK);
        }
    }

    @Test
    void noRetryIsSentIntoTheLastMillisecondOfTheDeadline() {
        // Attempts cut at 100 ms with almost no backoff: the third is cut by the call's 250 ms deadline, which
        // Armeria's timeout, counted in whole milliseconds, reaches up to a millisecond early. A fourth attempt
        // sent into that millisecond reached the server (CI saw it with the default backoff).
        final ClientPolicy policy = ClientPolicy.builder()
                .timeout(Duration.ofMillis(250))
                .retry(RetryConfig.builder()
                        .maxAttempts(10)
                        .perAttemptTimeout(Duration.ofMillis(100))
                        .backoff(Duration.ofMillis(1), Duration.ofMillis(1))
                        .build())
                .build();
        try (Backend stuck =
                        Backend.start(registry.client(), "orders", "a", Backend.slow("late", Duration.ofSeconds(5)));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .defaultPolicy(policy)
                        .stack(s -> s.remove(ClientRoles.BREAKER))
                        .build()) {
            final WebClient orders = RetryTest.connected(mesh, "orders", 1);

            for (int call = 1; call <= 10; call++) {
                stuck.hits.set(0);
                assertThatThrownBy(() -> orders.get("/").aggregate().join())
                        .hasCauseInstanceOf(ResponseTimeoutException.class);
                assertThat(stuck.hits.get()).as("attempts of call %d", call).isBetween(2, 3);
            }
        }
    }

    @Test
    void aCallThatTakesTooLongFailsWithAResponseTimeout() {
        try (Backend stuck =
                        Backend.start(registry.client(), "orders", "a", Backend.slow("late", Duration.ofSeconds(5)));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .policy(
                                "orders",
                                ClientPolicy.builder()
                                        .timeout(Duration.ofMillis(300))
                                        .build())
                        .build()) {
            final WebClient orders = RetryTest.connected(mesh, "orders", 1);

            assertThatThrownBy(() -> orders.get("/").aggregate().join())
                    .isInstanceOf(CompletionException.class)
                    .hasCauseInstanceOf(ResponseTimeoutException.class);
        }
    }

    @Test
    void passesTheTimeLeftDownstream() {
        try (Backend echo = Backend.start(
                        registry.client(),
                        "orders",
                        "a",
                        (ctx, req) -> HttpResponse.of(req.headers().get(Deadline.HEADER, "none")));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .policy(
                                "orders",
                                ClientPolicy.builder()
                                        .timeout(Duration.ofSeconds(2))
                                        .build())
                        .build()) {
            final WebClient orders = RetryTest.connected(mesh, "orders", 1);

            final long fromPolicy =
                    Long.parseLong(orders.get("/").aggregate().join().contentUtf8());
            assertThat(fromPolicy).isBetween(1L, 2000L);

            final long fromRequest = Long.parseLong(orders.prepare()
                    .get("/")
                    .responseTimeout(Duration.ofMillis(700))
                    .execute()
                    .aggregate()
                    .join()
                    .contentUtf8());
            assertThat(fromRequest).isBetween(1L, 700L);
        }
    }
}
