package io.mesh4j.registry.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.PolicyJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.RouteJson;
import io.mesh4j.registry.MeshRegistry;
import picocli.CommandLine;

/**
 * meshctl explain against a real TLS registry holding a real route config, access policy and instances: which rule,
 * split, limits, quotas and authorization decision a request gets, as a table and as JSON, and one clear line with a
 * non-zero exit for each kind of bad input. (ExplainTest in examples checks the answer against real calls.)
 */
class ExplainCliTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ServiceName ORDERS = ServiceName.of("orders");

    static final String ROUTES = "{\"rules\": ["
            + "{\"name\": \"writes\", \"match\": {\"path\": {\"prefix\": \"/orders\"}, \"methods\": [\"POST\"]}, "
            + "\"timeout\": \"2s\", \"fault\": {\"abort\": {\"percent\": 5, \"status\": 503}}, "
            + "\"concurrencyLimit\": 8},"
            + "{\"name\": \"reads\", \"match\": {\"path\": {\"prefix\": \"/orders\"}}, "
            + "\"route\": [{\"subset\": {\"version\": \"v1\"}, \"weight\": 90}, "
            + "{\"subset\": {\"version\": \"v2\"}, \"weight\": 10}], \"fallback\": {\"version\": \"v1\"}, "
            + "\"timeout\": \"1s\", \"perAttemptTimeout\": \"300ms\", "
            + "\"retry\": {\"attempts\": 4, \"on\": [\"5xx\"]}, "
            + "\"rateLimit\": {\"requestsPerSecond\": 50, \"perCaller\": true}}], "
            + "\"quotas\": [{\"name\": \"frontend-reads\", \"rule\": \"reads\", \"caller\": \"frontend\", "
            + "\"requests\": 100, \"per\": \"1s\"}, {\"name\": \"all\", \"requests\": 1000, \"per\": \"1s\"}]}";

    static final String POLICY = "{\"default\": \"deny\", \"rules\": [{\"routes\": [\"/orders/{id}\"], "
            + "\"methods\": [\"GET\"], \"allowCallers\": [\"frontend\"]}]}";

    @TempDir
    Path dataDir;

    private RegistryForMeshCtl mesh;
    private MeshRegistry registry;
    private RegistryClient admin;
    private StringWriter out;
    private StringWriter err;

    @BeforeEach
    void start() {
        mesh = RegistryForMeshCtl.start(dataDir);
        registry = mesh.registry;
        admin = mesh.admin;
        out = mesh.out;
        err = mesh.err;
        final RegistryClient orders = member("orders");
        for (int i = 1; i <= 2; i++) {
            orders.register(
                            ORDERS,
                            InstanceId.of("orders-" + i),
                            Registration.builder("127.0.0.1", 8080 + i)
                                    .metadata(Map.of("version", "v1"))
                                    .build())
                    .join();
        }
        member("frontend");
        member("intruder");
        admin.putRoutes(ORDERS, RouteJson.parse(bytes(ROUTES))).join();
        admin.putPolicy(ORDERS, PolicyJson.parsePolicy(bytes(POLICY))).join();
    }

    @AfterEach
    void stop() {
        mesh.close();
    }

    @Test
    void aReadFromFrontendFollowsTheReadsRuleItsQuotasAndIsAllowedByThePolicy() throws Exception {
        assertThat(meshctl("explain", "orders", "get", "/orders/42", "--as", "frontend", "--output", "json"))
                .isEqualTo(0);
        final JsonNode json = JSON.readTree(out.toString());
        assertThat(json.path("rule").path("name").asText()).isEqualTo("reads");
        assertThat(json.path("rule").path("index").asInt()).isEqualTo(1);
        assertThat(json.path("split").get(0).path("subset").path("version").asText())
                .isEqualTo("v1");
        assertThat(json.path("split").get(0).path("instances").asInt()).isEqualTo(2);
        assertThat(json.path("split").get(1).path("weight").asInt()).isEqualTo(10);
        assertThat(json.path("split").get(1).path("instances").asInt()).isZero();
        assertThat(json.path("fallback").path("instances").asInt()).isEqualTo(2);
        assertThat(json.path("timeout").asText()).isEqualTo("1s");
        assertThat(json.path("perAttemptTimeout").asText()).isEqualTo("300ms");
        assertThat(json.path("retry").path("attempts").asInt()).isEqualTo(4);
        assertThat(json.path("hedge").isNull()).isTrue();
        assertThat(json.path("rateLimit").path("requestsPerSecond").asDouble()).isEqualTo(50);
        assertThat(json.path("quotas").findValuesAsText("name")).containsExactly("frontend-reads", "all");
        final JsonNode authz = json.path("authorization");
        assertThat(authz.path("allowed").asBoolean()).isTrue();
        assertThat(authz.path("decidedBy").asText()).isEqualTo("registry-policy");
        assertThat(authz.path("route").asText()).isEqualTo("/orders/{id}");

        assertThat(meshctl("explain", "orders", "GET", "/orders/42", "--as", "frontend"))
                .isEqualTo(0);
        assertThat(out.toString())
                .contains("RULE                 reads (rules[1])")
                .contains("{\"version\":\"v2\"} 10% (0 instance(s))")
                .contains("FALLBACK             {\"version\":\"v1\"} (2 instance(s))")
                .contains("RETRY                {\"attempts\":4")
                .contains("AUTHORIZATION        ALLOWED by the access policy in the registry for route /orders/{id}");
    }

    @Test
    void aCallerThePolicyDoesNotNameIsDeniedAndAWriteFollowsItsOwnRule() throws Exception {
        assertThat(meshctl("explain", "orders", "GET", "/orders/42", "--as", "intruder", "-o", "json"))
                .isEqualTo(0);
        JsonNode json = JSON.readTree(out.toString());
        assertThat(json.path("authorization").path("allowed").asBoolean()).isFalse();
        assertThat(json.path("authorization").path("reason").asText())
                .isEqualTo("the policy pushed by the registry does not allow it");
        // Only the quota of every caller covers intruder.
        assertThat(json.path("quotas").findValuesAsText("name")).containsExactly("all");

        // A POST matches the first rule; no rule of the policy covers POST, so the service's default-deny decides.
        assertThat(meshctl("explain", "orders", "POST", "/orders", "--as", "frontend", "-o", "json"))
                .isEqualTo(0);
        json = JSON.readTree(out.toString());
        assertThat(json.path("rule").path("name").asText()).isEqualTo("writes");
        assertThat(json.path("split")).isEmpty();
        assertThat(json.path("fault").path("abort").path("status").asInt()).isEqualTo(503);
        assertThat(json.path("concurrencyLimit").asInt()).isEqualTo(8);
        assertThat(json.path("retry").isNull()).isTrue();
        assertThat(json.path("quotas").findValuesAsText("name")).containsExactly("all");
        assertThat(json.path("authorization").path("decidedBy").asText()).isEqualTo("default");
        assertThat(json.path("authorization").path("reason").asText()).contains("default-deny");
        assertThat(json.path("notes").toString()).contains("@AllowCallers");

        // No rule matches a path outside /orders, and a caller without an identity is refused.
        assertThat(meshctl("explain", "orders", "GET", "/healthz")).isEqualTo(0);
        assertThat(out.toString())
                .contains("RULE                 none matches")
                .contains("from a caller without a mesh identity")
                .contains("AUTHORIZATION        DENIED by the default");
    }

    @Test
    void headersAndAnExplicitRoutePatternAreMatchedAsTheMeshMatchesThem() throws Exception {
        admin.putRoutes(
                        ORDERS,
                        RouteJson.parse(bytes("{\"rules\": [{\"name\": \"beta\", \"match\": {\"headers\": "
                                + "{\"x-beta\": \"1\"}}, \"timeout\": \"5s\"}]}")))
                .join();
        assertThat(meshctl("explain", "orders", "GET", "/x", "-H", "x-beta=1", "-o", "json"))
                .isEqualTo(0);
        assertThat(JSON.readTree(out.toString()).path("rule").path("name").asText())
                .isEqualTo("beta");
        assertThat(meshctl("explain", "orders", "GET", "/x", "-o", "json")).isEqualTo(0);
        assertThat(JSON.readTree(out.toString()).path("rule").isNull()).isTrue();
        assertThat(meshctl(
                        "explain", "orders", "GET", "/x", "--as", "frontend", "--route", "/orders/{id}", "-o", "json"))
                .isEqualTo(0);
        assertThat(JSON.readTree(out.toString())
                        .path("authorization")
                        .path("allowed")
                        .asBoolean())
                .isTrue();
    }

    @Test
    void badInputIsOneClearLineAndANonZeroExit() {
        assertThat(meshctl("explain", "nosuch", "GET", "/orders/1")).isEqualTo(1);
        assertThat(err.toString().strip())
                .isEqualTo("meshctl: no service nosuch in the mesh: it has no instance, no join token, no route "
                        + "config and no access policy in the registry (known: frontend, intruder, orders)");
        assertThat(meshctl("explain", "orders", "FETCH", "/orders/1")).isEqualTo(2);
        assertThat(err.toString())
                .contains("METHOD: 'FETCH' is not an HTTP method")
                .hasLineCount(1);
        assertThat(meshctl("explain", "orders", "GET", "orders/1")).isEqualTo(2);
        assertThat(err.toString()).contains("PATH: 'orders/1' (expected: a path that starts with /");
        assertThat(meshctl("explain", "orders", "GET", "/orders/1", "--as", "ghost"))
                .isEqualTo(1);
        assertThat(err.toString())
                .contains("--as ghost: no service ghost in the mesh")
                .hasLineCount(1);
        assertThat(meshctl("explain", "orders", "GET", "/orders/1", "--as", "Not A Name"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--as: ").hasLineCount(1);
        assertThat(meshctl("explain", "orders", "GET", "/orders/1", "-H", "novalue"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--header: 'novalue' (expected: NAME=VALUE");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void aPlaintextRegistryWhichMakesNoJoinTokensIsExplainedToo(@TempDir Path plainDir) throws Exception {
        try (MeshRegistry plain = MeshRegistry.builder()
                .plaintext()
                .host("127.0.0.1")
                .port(0)
                .dataDir(plainDir)
                .build()
                .start()
                .join()) {
            final RegistryClient client = RegistryClient.of(plain.uri());
            client.register(
                            ORDERS,
                            InstanceId.of("orders-1"),
                            Registration.builder("127.0.0.1", 8081).build())
                    .join();
            client.putRoutes(ORDERS, RouteJson.parse(bytes(ROUTES))).join();
            out.getBuffer().setLength(0);
            err.getBuffer().setLength(0);
            final CommandLine commandLine = MeshCtl.commandLine(Map.of());
            commandLine.setOut(new PrintWriter(out, true));
            commandLine.setErr(new PrintWriter(err, true));
            assertThat(commandLine.execute(
                            "explain",
                            "orders",
                            "GET",
                            "/orders/1",
                            "--registry",
                            plain.uri().toString(),
                            "-o",
                            "json"))
                    .as("%s", err)
                    .isZero();
            assertThat(JSON.readTree(out.toString()).path("rule").path("name").asText())
                    .isEqualTo("reads");
        }
    }

    private RegistryClient member(String service) {
        return mesh.member(service);
    }

    private int meshctl(String... args) {
        return mesh.meshctl(args);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
