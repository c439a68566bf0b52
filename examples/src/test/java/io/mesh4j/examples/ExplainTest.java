package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.registry.PolicyJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.RouteJson;
import io.mesh4j.examples.services.Workloads;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.registry.internal.cli.MeshCtl;
import io.mesh4j.server.MeshServer;
import picocli.CommandLine;

/**
 * What {@code meshctl explain} says a request gets is what a real call over mTLS gets: a caller it says is denied is
 * refused by the server, one it says is allowed is served, and the retry policy it names is the one the client
 * follows (a route that fails three times in a row is served on the fourth attempt).
 */
class ExplainTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ServiceName ORDERS = ServiceName.of("orders");

    @TempDir
    Path dataDir;

    private MeshRegistry registry;
    private RegistryClient admin;
    private final List<WorkloadIdentity> identities = new ArrayList<>();
    private MeshServer orders;
    private MeshClient frontend;
    private MeshClient intruder;
    private final Map<String, AtomicInteger> served = new ConcurrentHashMap<>();
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void start() {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .build()
                .start()
                .join();
        admin = RegistryAccess.ADMIN_CLIENT.get(registry);
        admin.putPolicy(
                        ORDERS,
                        PolicyJson.parsePolicy(bytes("{\"rules\": [{\"routes\": [\"/orders/{id}\", \"/flaky/{id}\"], "
                                + "\"allowCallers\": [\"frontend\"]}]}")))
                .join();
        // Four attempts on a 5xx where the client's default is three.
        admin.putRoutes(
                        ORDERS,
                        RouteJson.parse(bytes("{\"rules\": [{\"name\": \"flaky\", \"match\": {\"path\": {\"prefix\": "
                                + "\"/flaky/\"}}, \"retry\": {\"attempts\": 4, \"on\": [\"5xx\"], \"backoff\": "
                                + "{\"base\": \"1ms\", \"cap\": \"5ms\"}}}]}")))
                .join();
        orders = MeshServer.builder("orders", registry.uri())
                .identity(identity("orders"))
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .service("/orders/{id}", (ctx, req) -> HttpResponse.of("order " + ctx.pathParam("id")))
                // Fails the first three requests of each id, then serves it.
                .service(
                        "/flaky/{id}",
                        (ctx, req) -> served.computeIfAbsent(ctx.pathParam("id"), id -> new AtomicInteger())
                                                .incrementAndGet()
                                        <= 3
                                ? HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE)
                                : HttpResponse.of("served"))
                .build();
        orders.start().join();
        frontend = MeshClient.builder(registry.uri())
                .identity(identity("frontend"))
                .build();
        intruder = MeshClient.builder(registry.uri())
                .identity(identity("intruder"))
                .build();
    }

    private WorkloadIdentity identity(String service) {
        final WorkloadIdentity identity = Workloads.identity(registry.uri(), admin, registry.trustBundlePem(), service);
        identities.add(identity);
        return identity.start().join();
    }

    @AfterEach
    void stop() {
        intruder.close();
        frontend.close();
        orders.stop().join();
        identities.forEach(WorkloadIdentity::close);
        registry.close();
    }

    @Test
    void explainSaysWhatARealCallGets() throws Exception {
        // Denied, and the server refuses it for the reason explain gives.
        final JsonNode denied = explain("orders", "GET", "/orders/7", "--as", "intruder");
        assertThat(denied.path("authorization").path("allowed").asBoolean()).isFalse();
        final var refused =
                intruder.webClient("orders").get("/orders/7").aggregate().join();
        assertThat(refused.status().code()).isEqualTo(403);
        assertThat(refused.contentUtf8())
                .contains(denied.path("authorization").path("reason").asText());

        // Allowed, and served.
        final JsonNode allowed = explain("orders", "GET", "/orders/7", "--as", "frontend");
        assertThat(allowed.path("authorization").path("allowed").asBoolean()).isTrue();
        assertThat(allowed.path("rule").isNull()).isTrue();
        assertThat(frontend.webClient("orders")
                        .get("/orders/7")
                        .aggregate()
                        .join()
                        .status()
                        .code())
                .isEqualTo(200);

        // The retry rule explain names is the one the client follows: four attempts, the fourth served.
        final JsonNode flaky = explain("orders", "GET", "/flaky/1", "--as", "frontend");
        assertThat(flaky.path("rule").path("name").asText()).isEqualTo("flaky");
        final int attempts = flaky.path("retry").path("attempts").asInt();
        assertThat(attempts).isEqualTo(4);
        assertThat(flaky.path("authorization").path("allowed").asBoolean()).isTrue();
        final AtomicInteger id = new AtomicInteger();
        // The client follows the route config once its watch has answered: until then a call gets its default.
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(300))
                .untilAsserted(() -> {
                    final String key = "k" + id.incrementAndGet();
                    final int status = frontend.webClient("orders")
                            .get("/flaky/" + key)
                            .aggregate()
                            .join()
                            .status()
                            .code();
                    assertThat(status).isEqualTo(200);
                    assertThat(served.get(key).get()).isEqualTo(attempts);
                });
    }

    private JsonNode explain(String... args) throws Exception {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        final CommandLine commandLine = MeshCtl.commandLine(
                Map.of("MESHCTL_REGISTRY", registry.uri().toString(), "MESHCTL_DATA_DIR", dataDir.toString()));
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        final List<String> all = new ArrayList<>(List.of("explain"));
        all.addAll(List.of(args));
        all.addAll(List.of("--output", "json"));
        assertThat(commandLine.execute(all.toArray(String[]::new)))
                .as("meshctl %s: %s", all, err)
                .isZero();
        return JSON.readTree(out.toString());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
