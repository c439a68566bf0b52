package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.identity.IdentityAccess;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.RegistryException;
import io.mesh4j.core.internal.tap.MemberTap;
import io.mesh4j.core.internal.telemetry.TelemetryAccess;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.core.telemetry.TelemetryConfig;
import io.mesh4j.examples.services.Workloads;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.registry.internal.cli.MeshCtl;
import io.mesh4j.server.MeshServer;
import picocli.CommandLine;

/**
 * meshctl tap against a real registry and real mesh members over mTLS: a tap sees the requests a service serves and
 * makes as they happen, with no header, query or body; members sample nothing while nobody taps, and stop soon after
 * the tap ends; only the operator may tap.
 */
class TapTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "s3cret-bearer-value";

    @TempDir
    Path dataDir;

    private MeshRegistry registry;
    private RegistryClient admin;
    private final List<WorkloadIdentity> identities = new ArrayList<>();
    private final List<MeshTelemetry> telemetries = new ArrayList<>();
    private MeshServer orders;
    private MeshClient frontend;
    private MemberTap ordersTap;
    private MemberTap frontendTap;
    private MeshTelemetry ordersTelemetry;

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
        ordersTelemetry = telemetry("orders");
        orders = MeshServer.builder("orders", registry.uri())
                .identity(identity("orders"))
                .advertisedHost("127.0.0.1")
                .telemetry(ordersTelemetry)
                .drainPeriod(Duration.ZERO)
                .service("/orders/{id}", (ctx, req) -> HttpResponse.of("order " + ctx.pathParam("id")))
                .build();
        orders.start().join();
        final MeshTelemetry frontendTelemetry = telemetry("frontend");
        frontend = MeshClient.builder(registry.uri())
                .identity(identity("frontend"))
                .telemetry(frontendTelemetry)
                .build();
        ordersTap = TelemetryAccess.METRICS.get(ordersTelemetry).tap();
        frontendTap = TelemetryAccess.METRICS.get(frontendTelemetry).tap();
    }

    private WorkloadIdentity identity(String service) {
        final WorkloadIdentity identity = Workloads.identity(registry.uri(), admin, registry.trustBundlePem(), service);
        identities.add(identity);
        return identity.start().join();
    }

    private MeshTelemetry telemetry(String service) {
        final MeshTelemetry telemetry = MeshTelemetry.of(TelemetryConfig.builder()
                .serviceName(service)
                .reportInterval(Duration.ofMillis(200))
                .build());
        telemetries.add(telemetry);
        return telemetry;
    }

    @AfterEach
    void stop() {
        frontend.close();
        orders.stop().join();
        telemetries.forEach(MeshTelemetry::close);
        identities.forEach(WorkloadIdentity::close);
        registry.close();
    }

    @Test
    void aTapStreamsLiveRequestsWithTheirFieldsAndNoHeadersAndMembersStopWhenItEnds() throws Exception {
        // Nobody taps: requests flow, and no member samples any of them.
        for (int i = 0; i < 20; i++) {
            call(i);
        }
        assertThat(ordersTap.isOpen()).isFalse();
        assertThat(ordersTap.sampled()).isZero();
        assertThat(frontendTap.sampled()).isZero();
        assertThat(tapRecords(ordersTelemetry)).isZero();

        // The requests orders serves, as JSON lines, while frontend calls with a secret header and query.
        final Meshctl inbound = new Meshctl();
        try (Load load = new Load()) {
            final CompletableFuture<Integer> exit =
                    inbound.start("tap", "orders", "--from", "frontend", "--for", "4s", "-o", "json");
            await().atMost(Duration.ofSeconds(10)).until(ordersTap::isOpen);
            // The tap is on the server side of orders only: frontend's client samples nothing for it.
            assertThat(frontendTap.isOpen()).isFalse();
            assertThat(exit.get()).isZero();
        }
        final List<JsonNode> records = inbound.jsonLines();
        assertThat(records).isNotEmpty();
        for (JsonNode record : records) {
            assertThat(record.path("direction").asText()).isEqualTo("inbound");
            assertThat(record.path("caller").asText()).isEqualTo("frontend");
            assertThat(record.path("service").asText()).isEqualTo("orders");
            assertThat(record.path("method").asText()).isEqualTo("GET");
            assertThat(record.path("path").asText()).matches("/orders/[0-9]+");
            assertThat(record.path("status").asInt()).isEqualTo(200);
            assertThat(record.path("latencyMs").asDouble()).isPositive();
            assertThat(record.has("attempts")).isFalse();
        }
        assertThat(inbound.out.toString())
                .doesNotContain(SECRET)
                .doesNotContain("token=")
                .doesNotContainIgnoringCase("authorization")
                .doesNotContain("x-secret");
        assertThat(inbound.err.toString()).contains("tapping orders").contains("requests from frontend");
        keep("tap-orders-from-frontend.jsonl", inbound);

        // meshctl has left: the member hears of it through its watch and stops sampling within a few seconds.
        await().atMost(Duration.ofSeconds(3)).until(() -> !ordersTap.isOpen());
        final long sampled = ordersTap.sampled();
        // What the member sampled is on its /metrics too.
        assertThat(tapRecords(ordersTelemetry)).isEqualTo(sampled).isGreaterThanOrEqualTo(records.size());
        for (int i = 0; i < 20; i++) {
            call(i);
        }
        assertThat(ordersTap.sampled()).isEqualTo(sampled);
    }

    @Test
    void aTapOfTheCallerShowsItsOutboundCallsWithTheirAttemptsAsATable() throws Exception {
        final Meshctl outbound = new Meshctl();
        try (Load load = new Load()) {
            final CompletableFuture<Integer> exit =
                    outbound.start("tap", "frontend", "--to", "orders", "--method", "get", "--for", "3s");
            await().atMost(Duration.ofSeconds(10)).until(frontendTap::isOpen);
            assertThat(exit.get()).isZero();
        }
        keep("tap-frontend-to-orders.txt", outbound);
        final String table = outbound.out.toString();
        assertThat(table.lines().findFirst().orElseThrow())
                .contains("TIME", "DIR", "FROM", "TO", "METHOD", "PATH", "STATUS", "LATENCY", "ATTEMPTS");
        assertThat(table).containsPattern("out +frontend +orders +GET +/orders/[0-9]+ +200 +[0-9.]+ms +1\n");
        assertThat(table).doesNotContain(SECRET).doesNotContain("token=");
        // orders' server was not tapped.
        assertThat(ordersTap.sampled()).isZero();
    }

    @Test
    void onlyTheOperatorMayTap() throws Exception {
        // A workload of the mesh, with its certificate: 403.
        final RegistryClient member = IdentityAccess.REGISTRY_CLIENT.get(identities.get(0));
        assertThat(member.openTap("/v1/services/orders/tap")
                        .aggregate()
                        .join()
                        .status()
                        .code())
                .isEqualTo(403);

        // The viewer token may read the stats, not tap: meshctl says so in one line and exits 1.
        final Meshctl viewer = new Meshctl();
        assertThat(viewer.start(
                                "tap",
                                "orders",
                                "--admin-token-file",
                                dataDir.resolve("viewer.token").toString(),
                                "--trust-bundle",
                                dataDir.resolve("trust-bundle.pem").toString())
                        .get())
                .isEqualTo(1);
        assertThat(viewer.err.toString().strip())
                .startsWith("meshctl: 403 forbidden: the viewer token may read the golden metrics, not tap")
                .doesNotContain("\n");

        // A token that is nobody's: 401.
        final Path wrong = Files.writeString(dataDir.resolve("wrong.token"), "not-a-token", StandardCharsets.US_ASCII);
        final Meshctl nobody = new Meshctl();
        assertThat(nobody.start(
                                "tap",
                                "orders",
                                "--admin-token-file",
                                wrong.toString(),
                                "--trust-bundle",
                                dataDir.resolve("trust-bundle.pem").toString())
                        .get())
                .isEqualTo(1);
        assertThat(nobody.err.toString()).startsWith("meshctl: 401");
        assertThat(ordersTap.isOpen()).isFalse();
    }

    @Test
    void membersSendOnlyTheirOwnRecordsAndNoHeaderCanRideAlong() {
        final RegistryClient member = IdentityAccess.REGISTRY_CLIENT.get(identities.get(0));
        final String record = "{\"records\": [{\"taps\": [\"t1\"], \"time\": \"2026-12-07T10:00:00Z\", \"direction\": "
                + "\"inbound\", \"caller\": \"frontend\", \"service\": \"orders\", \"method\": \"GET\", \"path\": "
                + "\"/orders/7\", \"status\": 200, \"latencyMs\": 1.5}]}";
        member.sendTapRecords(ServiceName.of("orders"), record.getBytes(StandardCharsets.UTF_8))
                .join();
        assertThat(statusOf(() -> member.sendTapRecords(
                                ServiceName.of("orders"),
                                record.replace(
                                                "\"latencyMs\"",
                                                "\"headers\": {\"authorization\": \"x\"}, \"latencyMs\"")
                                        .getBytes(StandardCharsets.UTF_8))
                        .join()))
                .isEqualTo(400);
        assertThat(statusOf(() -> member.sendTapRecords(
                                ServiceName.of("orders"),
                                record.replace("\"/orders/7\"", "\"/orders/7?token=x\"")
                                        .getBytes(StandardCharsets.UTF_8))
                        .join()))
                .isEqualTo(400);
        // Another service's requests: refused, by path and by what the records say.
        assertThat(statusOf(
                        () -> member.sendTapRecords(ServiceName.of("frontend"), record.getBytes(StandardCharsets.UTF_8))
                                .join()))
                .isEqualTo(403);
        assertThat(statusOf(() -> member.sendTapRecords(
                                ServiceName.of("orders"),
                                record.replace("\"service\": \"orders\"", "\"service\": \"inventory\"")
                                        .getBytes(StandardCharsets.UTF_8))
                        .join()))
                .isEqualTo(403);
    }

    @Test
    void badArgumentsGiveOneClearLine() throws Exception {
        final Map<List<String>, String> cases = Map.of(
                List.of("tap", "Orders_1"), "meshctl: SERVICE: ",
                List.of("tap", "orders", "--from", "frontend", "--to", "inventory"),
                        "meshctl: --from and --to exclude each other",
                List.of("tap", "orders", "--max-rps", "500"), "meshctl: --max-rps: 500 (expected: from 1 to 100)",
                List.of("tap", "orders", "--path", "orders"), "meshctl: --path: 'orders' (expected: a path prefix",
                List.of("tap", "orders", "--method", "G T"), "meshctl: --method: 'G T' (expected: an HTTP method",
                List.of("tap", "orders", "--for", "soon"), "meshctl: ");
        for (Map.Entry<List<String>, String> entry : cases.entrySet()) {
            final Meshctl meshctl = new Meshctl();
            assertThat(meshctl.start(entry.getKey().toArray(String[]::new)).get())
                    .as(entry.getKey().toString())
                    .isEqualTo(2);
            assertThat(meshctl.err.toString().strip())
                    .as(entry.getKey().toString())
                    .startsWith(entry.getValue())
                    .doesNotContain("\n");
        }
        // The registry refuses the same, for a caller without meshctl: 400, and no tap is opened.
        assertThat(admin.getAnswer("/v1/services/orders/tap?maxRps=0")
                        .join()
                        .status()
                        .code())
                .isEqualTo(400);
        assertThat(admin.getAnswer("/v1/services/orders/tap?from=a&to=b")
                        .join()
                        .status()
                        .code())
                .isEqualTo(400);
        assertThat(ordersTap.isOpen()).isFalse();
    }

    /** Kept as test output, to read what meshctl printed: target/tap/NAME, standard error first. */
    private static void keep(String name, Meshctl meshctl) throws java.io.IOException {
        final Path dir = Path.of("target", "tap");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(name), meshctl.err + meshctl.out.toString(), StandardCharsets.UTF_8);
    }

    private void call(int i) {
        final int status = frontend.webClient("orders")
                .prepare()
                .get("/orders/" + i + "?token=" + SECRET)
                .header("authorization", "Bearer " + SECRET)
                .header("x-secret", SECRET)
                .attr(MeshTelemetry.ROUTE, "/orders/{id}")
                .execute()
                .aggregate()
                .join()
                .status()
                .code();
        assertThat(status).isEqualTo(200);
    }

    private static double tapRecords(MeshTelemetry telemetry) {
        return TelemetryAccess.METRICS
                .get(telemetry)
                .registry()
                .get("mesh.tap.records")
                .tag("outcome", "sampled")
                .functionCounter()
                .count();
    }

    private static int statusOf(Runnable call) {
        try {
            call.run();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RegistryException refused) {
                return refused.status();
            }
            throw e;
        }
        return 200;
    }

    /** frontend calling orders in a loop, until closed. */
    private final class Load implements AutoCloseable {

        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        Load() {
            thread = new Thread(
                    () -> {
                        int i = 0;
                        while (running.get()) {
                            call(i++);
                        }
                    },
                    "tap-test-load");
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }

    /** One meshctl run on a thread of its own, so that a tap streams while the test makes requests. */
    private final class Meshctl {

        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();

        CompletableFuture<Integer> start(String... args) {
            final CommandLine commandLine = MeshCtl.commandLine(
                    Map.of("MESHCTL_REGISTRY", registry.uri().toString(), "MESHCTL_DATA_DIR", dataDir.toString()));
            commandLine.setOut(new PrintWriter(out, true));
            commandLine.setErr(new PrintWriter(err, true));
            return CompletableFuture.supplyAsync(() -> commandLine.execute(args));
        }

        List<JsonNode> jsonLines() throws Exception {
            final List<JsonNode> lines = new ArrayList<>();
            for (String line : out.toString().strip().split("\n")) {
                lines.add(JSON.readTree(line));
            }
            return lines;
        }
    }
}
