package io.mesh4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.annotation.Get;

import io.mesh4j.core.annotation.Quota;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.QuotaJson;
import io.mesh4j.core.routing.QuotaSpec;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;

/**
 * {@code @Quota} against a real TLS registry and two real mTLS instances: the instances lease the quota their
 * annotation declares and hold it together, and a quota of the same name that the operator puts in the route
 * config replaces its size live, still counting only the annotated route. A wrong {@code @Quota} fails the build.
 */
class AnnotatedQuotaTest {

    private static final ServiceName PAYMENTS = ServiceName.of("payments");
    /** The name derived from the class and method. */
    private static final String QUOTA = "paymentsapi-charge";

    /** payments: a charge route under a mesh-wide quota of 20 per second, and a route without one. */
    public static final class PaymentsApi {
        @Get("/charge")
        @Quota(requests = 20, per = "1s")
        public String charge() {
            return "charged";
        }

        @Get("/status")
        public String status() {
            return "ok";
        }
    }

    @TempDir
    Path dataDir;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private @Nullable MeshRegistry registry;
    private final List<MeshServer> servers = new ArrayList<>();
    private final List<WebClient> asFrontend = new ArrayList<>();

    @BeforeEach
    void start() {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .build()
                .start()
                .join();
        final var frontend = TlsWorkloads.join(registry, "frontend", toClose);
        for (int i = 1; i <= 2; i++) {
            final MeshServer server = MeshServer.builder("payments", registry.uri())
                    .identity(TlsWorkloads.join(registry, "payments", toClose))
                    .instanceId("payments-" + i)
                    .advertisedHost("127.0.0.1")
                    .drainPeriod(Duration.ZERO)
                    .annotatedService(new PaymentsApi())
                    .build();
            server.start().join();
            servers.add(server);
            asFrontend.add(TlsWorkloads.clientAs(frontend, server.port(), toClose));
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (MeshServer server : servers) {
            server.stop().join();
        }
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    private void awaitShares(double each) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (MeshServer server : servers) {
                assertThat(server.quotaLeases().isLeased(QUOTA)).isTrue();
                assertThat(server.quotaLeases().shareOf(QUOTA)).isCloseTo(each, within(0.01));
            }
        });
    }

    /** {@code perInstance} requests sent at once to each instance; the responses. */
    private List<AggregatedHttpResponse> burst(String path, int perInstance) {
        final List<CompletableFuture<AggregatedHttpResponse>> calls = new ArrayList<>();
        for (WebClient client : asFrontend) {
            for (int i = 0; i < perInstance; i++) {
                calls.add(client.get(path).aggregate());
            }
        }
        return calls.stream().map(CompletableFuture::join).toList();
    }

    private static long ok(List<AggregatedHttpResponse> responses) {
        return responses.stream().filter(r -> r.status() == HttpStatus.OK).count();
    }

    private JsonNode registryView() throws Exception {
        final byte[] view = RegistryAccess.ADMIN_CLIENT
                .get(registry)
                .getJson(QuotaJson.LIST_PATH)
                .join();
        for (JsonNode quota : new ObjectMapper().readTree(view).path("quotas")) {
            if (quota.path("name").asText().equals(QUOTA)) {
                return quota;
            }
        }
        throw new AssertionError("no quota " + QUOTA + " in " + new String(view, StandardCharsets.UTF_8));
    }

    @Test
    void twoAnnotatedInstancesShareTheirQuotaAndTheOperatorsQuotaOfTheSameNameResizesIt() throws Exception {
        // No route config: the registry divides the size the annotation declares, 20 per second, between the two.
        awaitShares(10);
        final JsonNode declared = registryView();
        assertThat(declared.path("source").asText()).isEqualTo("annotation");
        assertThat(declared.path("requests").asLong()).isEqualTo(20);
        assertThat(declared.path("holders")).hasSize(2);

        // 40 at once to each instance: together they accept about the quota's second (a bucket holds a second of
        // its share), not the 80 that each instance alone would.
        final List<AggregatedHttpResponse> first = burst("/charge", 40);
        assertThat(ok(first)).as("accepted of 80").isBetween(16L, 28L);
        final AggregatedHttpResponse refusal = first.stream()
                .filter(r -> r.status() != HttpStatus.OK)
                .findFirst()
                .orElseThrow();
        assertThat(refusal.status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
        assertThat(refusal.headers().get(QuotaJson.LIMIT_HEADER)).isEqualTo(QuotaJson.LIMIT_QUOTA);
        assertThat(refusal.contentUtf8()).contains("mesh-wide quota 'paymentsapi-charge' of 20 requests per 1 s");

        // The operator puts a quota of the same name in the route config: 4 per second, which both instances now
        // divide, without a restart.
        final RouteConfig config = new RouteConfig(
                List.of(), Set.of(), List.of(new QuotaSpec(QUOTA, null, null, 4, Duration.ofSeconds(1))));
        RegistryAccess.ADMIN_CLIENT.get(registry).putRoutes(PAYMENTS, config).join();
        awaitShares(2);
        final JsonNode replaced = registryView();
        assertThat(replaced.path("source").asText()).isEqualTo("route-config");
        assertThat(replaced.path("requests").asLong()).isEqualTo(4);
        assertThat(replaced.path("note").asText())
                .isEqualTo("the route config's quota replaces the size its instances declare (20/1s)");

        final List<AggregatedHttpResponse> second = burst("/charge", 20);
        assertThat(ok(second)).as("accepted of 40").isBetween(2L, 8L);
        // The config's quota is the annotated one resized: the route without @Quota still counts against nothing.
        assertThat(ok(burst("/status", 20))).isEqualTo(40);
    }
}
