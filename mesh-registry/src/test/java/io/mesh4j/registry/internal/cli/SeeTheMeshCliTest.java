package io.mesh4j.registry.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.identity.IdentityAccess;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.core.internal.registry.PolicyJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.RegistryException;
import io.mesh4j.core.internal.registry.RouteJson;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import picocli.CommandLine;

/**
 * The registry's golden-metric calls and meshctl's stat, edges and check against a real TLS registry, with members
 * that report by hand: what is refused and why, what a broken mesh looks like to check, and how meshctl finds the
 * registry. (SeeTheMeshTest in examples has real mesh clients and servers report.)
 */
class SeeTheMeshCliTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ServiceName ORDERS = ServiceName.of("orders");
    private static final ServiceName VAULT = ServiceName.of("vault");

    /** orders' server saw 4 requests from frontend, 3 of them successes, 2 in 2.05-2.56 ms and 2 in 14.3-16.4 ms. */
    private static final String REPORT = "{\"reporter\": \"r1\", \"entries\": [{\"side\": \"server\", \"caller\": "
            + "\"frontend\", \"service\": \"orders\", \"route\": \"/orders/{id}\", \"requests\": 4, \"successes\": 3, "
            + "\"latency\": [[40, 2], [51, 2]]}]}";

    @TempDir
    Path dataDir;

    @TempDir
    Path configDir;

    private final AtomicLong nanos = new AtomicLong();
    private MeshRegistry registry;
    private RegistryClient admin;
    private final List<WorkloadIdentity> identities = new ArrayList<>();
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void start() {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .ticker(nanos::get)
                .build()
                .start()
                .join();
        admin = RegistryAccess.ADMIN_CLIENT.get(registry);
    }

    @AfterEach
    void stop() {
        identities.forEach(WorkloadIdentity::close);
        registry.close();
    }

    @Test
    void aMemberReportsOnlyItsOwnEdgesAndAMalformedReportIsRefusedWithNothingStored() throws Exception {
        final RegistryClient orders = member("orders");
        // Another service's report, by path or by an edge it did not measure: 403.
        assertThat(status(orders.reportMetrics(ServiceName.of("frontend"), bytes(REPORT))))
                .isEqualTo(403);
        final String clientSideOfFrontend = REPORT.replace("\"server\"", "\"client\"");
        assertThat(status(orders.reportMetrics(ORDERS, bytes(clientSideOfFrontend))))
                .isEqualTo(403);
        // Malformed: 400, saying what is wrong.
        for (String malformed : List.of(
                "not json",
                "{\"reporter\": \"r1\"}",
                REPORT.replace("\"successes\": 3", "\"successes\": 5"),
                REPORT.replace("[51, 2]", "[144, 2]"),
                REPORT.replace("\"side\": \"server\"", "\"side\": \"both\""),
                REPORT.replace("\"caller\": \"frontend\"", "\"caller\": \"Front End\""),
                REPORT.replace("\"requests\": 4", "\"requests\": 4, \"bytes\": 9"))) {
            assertThatThrownBy(
                            () -> orders.reportMetrics(ORDERS, bytes(malformed)).join())
                    .as(malformed)
                    .hasCauseInstanceOf(RegistryException.class)
                    .satisfies(e -> assertThat(((RegistryException) e.getCause()).status())
                            .isEqualTo(400));
        }
        assertThat(stat("/v1/stats/edges").path("rows")).isEmpty();

        orders.reportMetrics(ORDERS, bytes(REPORT)).join();
        final JsonNode edge = stat("/v1/stats/services/orders?by=edge&window=30s")
                .path("rows")
                .get(0);
        assertThat(edge.path("caller").asText()).isEqualTo("frontend");
        assertThat(edge.path("requests").asLong()).isEqualTo(4);
        assertThat(edge.path("successRate").asDouble()).isEqualTo(0.75);
        // Buckets 40 and 51 hold 2.048-2.56 ms and 14.336-16.384 ms: the median is in the first, the p99 in the second.
        assertThat(edge.path("latencyMs").path("p50").asDouble()).isBetween(2.048, 2.56);
        assertThat(edge.path("latencyMs").path("p99").asDouble()).isBetween(14.336, 16.384);
        assertThat(edge.path("rps").asDouble()).isEqualTo(4 / 30.0, org.assertj.core.data.Offset.offset(0.001));
    }

    @Test
    void aBadWindowGroupingOrServiceIsAClear4xx() {
        member("orders").reportMetrics(ORDERS, bytes(REPORT)).join();
        assertThat(errorOf("/v1/stats/services?window=2h")).contains("400").contains("from 10s to 15m");
        assertThat(errorOf("/v1/stats/services?window=soon")).contains("400");
        assertThat(errorOf("/v1/stats/services/orders?by=pod")).contains("400").contains("service, route or edge");
        assertThat(errorOf("/v1/stats/services/nosuch")).contains("404").contains("no service nosuch");
        assertThat(errorOf("/v1/stats/services/No_Such")).contains("400");

        assertThat(meshctl("stat", "--window", "1h")).isEqualTo(2);
        assertThat(err.toString()).contains("--window: 3600s (expected: from 10s to 15m");
        assertThat(meshctl("stat", "--by", "route")).isEqualTo(2);
        assertThat(meshctl("stat", "nosuch")).isEqualTo(1);
        assertThat(err.toString()).contains("no service nosuch");
    }

    @Test
    void checkFindsEveryProblemOfABrokenMeshEachWithWhatToDo() throws Exception {
        // orders: one v1 instance, a route config that sends everything to v2, no access policy, and a member whose
        // certificate ends in ten minutes.
        final RegistryClient orders = member("orders");
        orders.register(
                        ORDERS,
                        InstanceId.of("orders-1"),
                        Registration.builder("127.0.0.1", 8080)
                                .metadata(Map.of("version", "v1"))
                                .ttl(Duration.ofSeconds(10))
                                .build())
                .join();
        admin.putRoutes(
                        ORDERS,
                        RouteJson.parse(bytes("{\"rules\": [{\"name\": \"canary\", \"route\": [{\"subset\": "
                                + "{\"version\": \"v2\"}, \"weight\": 100}]}]}")))
                .join();
        orders.reportMetrics(
                        ORDERS,
                        bytes(REPORT.replace(
                                "\"reporter\": \"r1\"",
                                "\"reporter\": \"r1\", \"certificateExpiresAt\": \""
                                        + Instant.now().plus(Duration.ofMinutes(10)) + "\"")))
                .join();
        // vault: a policy that names no caller.
        member("vault")
                .register(
                        VAULT,
                        InstanceId.of("vault-1"),
                        Registration.builder("127.0.0.1", 8081).build())
                .join();
        admin.putPolicy(VAULT, PolicyJson.parsePolicy(bytes("{\"rules\": []}"))).join();
        // orders-1 has not renewed its 10 s lease for 6 s.
        nanos.addAndGet(Duration.ofSeconds(6).toNanos());

        assertThat(meshctl("check")).isEqualTo(1);
        assertThat(out.toString())
                .contains("ok       registry reachable at " + registry.uri())
                .contains("ok       registry ready (/readyz): it can do every one of its jobs")
                .contains("ok       clock within 5s of the registry's")
                .contains("PROBLEM  [stale-heartbeat] instance orders-1 of orders last renewed its lease 6s ago")
                .contains("PROBLEM  [route-subset] route config of orders: rule 'canary': subset {version=v2} "
                        + "matches no instance")
                .contains("PROBLEM  [no-policy] service orders has no access policy")
                .contains("PROBLEM  [deny-all-policy] the access policy of vault names no caller")
                .contains("PROBLEM  [workload-certificate] a member of orders (reporter r1)")
                .contains("Fix: ")
                .contains("5 problems found");
        assertThat(meshctl("check", "--output", "json")).isEqualTo(1);
        final JsonNode json = JSON.readTree(out.toString());
        assertThat(json.path("ok").asBoolean()).isFalse();
        assertThat(json.path("problems").findValuesAsText("check"))
                .containsExactlyInAnyOrder(
                        "stale-heartbeat", "route-subset", "no-policy", "deny-all-policy", "workload-certificate");

        // Fixed: a policy for orders, the route config gone, vault's policy naming a caller, a fresh heartbeat.
        admin.putPolicy(ORDERS, PolicyJson.parsePolicy(bytes("{\"rules\": [{\"allowCallers\": [\"frontend\"]}]}")))
                .join();
        admin.putPolicy(VAULT, PolicyJson.parsePolicy(bytes("{\"rules\": [{\"allowCallers\": [\"orders\"]}]}")))
                .join();
        admin.deleteRoutes(ORDERS).join();
        assertThat(orders.heartbeat(ORDERS, InstanceId.of("orders-1")).join()).isTrue();
        meshctl("check");
        assertThat(out.toString()).contains("1 problem found").contains("[workload-certificate]");

        // No registry at all: one line that says so, exit 1.
        assertThat(meshctl("check", "--registry", "https://127.0.0.1:" + freePort()))
                .isEqualTo(1);
        assertThat(out.toString())
                .contains("PROBLEM  [registry] cannot reach the registry")
                .contains("nothing listens");
    }

    @Test
    void meshctlFindsTheRegistryInItsEnvironmentOrConfigFileAndSaysAWrongPortOrProtocolInOneLine(
            @TempDir Path plaintextDir) throws Exception {
        member("orders").reportMetrics(ORDERS, bytes(REPORT)).join();
        final Path config = configDir.resolve("meshctl.properties");
        Files.writeString(config, "registry=" + registry.uri() + "\ndata-dir=" + dataDir + "\n");
        assertThat(meshctlWith(Map.of("MESHCTL_CONFIG", config.toString()), "edges"))
                .isZero();
        assertThat(out.toString()).containsPattern("frontend +orders +[0-9.]+ +75\\.00% +4 ");
        assertThat(meshctlWith(
                        Map.of("MESHCTL_REGISTRY", registry.uri().toString(), "MESHCTL_DATA_DIR", dataDir.toString()),
                        "stat",
                        "orders",
                        "--by",
                        "route"))
                .isZero();
        assertThat(out.toString()).containsPattern("orders +/orders/:id +[0-9.]+ +75\\.00% +4 ");
        // A flag wins over the environment.
        assertThat(meshctlWith(
                        Map.of("MESHCTL_REGISTRY", "https://127.0.0.1:1"),
                        "stat",
                        "--registry",
                        registry.uri().toString(),
                        "--data-dir",
                        dataDir.toString()))
                .isZero();

        // Nothing on the port; plaintext to the TLS registry; TLS to a plaintext one: one line each, exit 1.
        final int port = registry.port();
        assertThat(meshctlWith(
                        Map.of(),
                        "stat",
                        "--registry",
                        "https://127.0.0.1:" + freePort(),
                        "--data-dir",
                        dataDir.toString()))
                .isEqualTo(1);
        assertThat(err.toString()).contains("nothing listens on 127.0.0.1:").hasLineCount(1);
        assertThat(meshctlWith(Map.of(), "stat", "--registry", "http://127.0.0.1:" + port))
                .isEqualTo(1);
        assertThat(err.toString()).contains("use https://127.0.0.1:" + port).hasLineCount(1);
        try (MeshRegistry plaintext = MeshRegistry.builder()
                .plaintext()
                .host("127.0.0.1")
                .port(0)
                .dataDir(plaintextDir)
                .build()
                .start()
                .join()) {
            assertThat(meshctlWith(
                            Map.of(),
                            "stat",
                            "--registry",
                            "https://127.0.0.1:" + plaintext.port(),
                            "--data-dir",
                            dataDir.toString()))
                    .isEqualTo(1);
            assertThat(err.toString())
                    .contains("does not speak TLS")
                    .contains("use http://127.0.0.1:" + plaintext.port())
                    .hasLineCount(1);
        }
    }

    private RegistryClient member(String service) {
        final String token = admin.createToken(
                        new IdentityJson.TokenRequest(ServiceName.of(service), Duration.ofMinutes(10), 1))
                .join()
                .token();
        final WorkloadIdentity identity = WorkloadIdentity.builder(registry.uri(), service)
                .joinToken(token)
                .trustBundle(registry.trustBundlePem())
                .build();
        identities.add(identity);
        identity.start().join();
        return IdentityAccess.REGISTRY_CLIENT.get(identity);
    }

    private JsonNode stat(String path) throws Exception {
        return JSON.readTree(admin.getJson(path).join());
    }

    private String errorOf(String path) {
        try {
            admin.getJson(path).join();
            return "no error";
        } catch (CompletionException e) {
            final RegistryException error = (RegistryException) e.getCause();
            return error.status() + " " + error.getMessage();
        }
    }

    private static int status(java.util.concurrent.CompletableFuture<Void> call) {
        try {
            call.join();
            return 200;
        } catch (CompletionException e) {
            return ((RegistryException) e.getCause()).status();
        }
    }

    private int meshctl(String... args) {
        final String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(
                new String[] {"--registry", registry.uri().toString(), "--data-dir", dataDir.toString()},
                0,
                all,
                args.length,
                4);
        if (List.of(args).contains("--registry")) {
            return meshctlWith(Map.of("MESHCTL_DATA_DIR", dataDir.toString()), args);
        }
        return meshctlWith(Map.of(), all);
    }

    private int meshctlWith(Map<String, String> env, String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        final CommandLine commandLine = MeshCtl.commandLine(env);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
