package io.mesh4j.registry.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.registry.MeshRegistry;
import picocli.CommandLine;

/**
 * Every meshctl command that prints something takes {@code --output json}, and what it prints then is JSON: each is
 * run against a real TLS registry with a member, a route config and a policy, and its output parsed. A new command
 * without the option fails the first test until it has one (or is listed, with its reason, in {@link #NO_JSON}).
 */
class JsonOutputTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ServiceName ORDERS = ServiceName.of("orders");

    /** Commands with no JSON output, and why: completion prints a shell script. */
    private static final Set<String> NO_JSON = Set.of("completion");

    @TempDir
    Path dataDir;

    @TempDir
    Path files;

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
    }

    @AfterEach
    void stop() {
        mesh.close();
    }

    @Test
    void everyCommandThatPrintsTakesOutputJson() {
        final Set<String> without = new TreeSet<>();
        collect(MeshCtl.commandLine(Map.of()), "", without);
        assertThat(without).isEqualTo(new TreeSet<>(NO_JSON));
    }

    private static void collect(CommandLine command, String path, Set<String> without) {
        if (command.getSubcommands().isEmpty()) {
            if (command.getCommandSpec().findOption("--output") == null) {
                without.add(path.strip());
            }
            return;
        }
        command.getSubcommands().forEach((name, sub) -> {
            // picocli lists a command once per name; the help command is picocli's own.
            if (!name.equals("help")) {
                collect(sub, path + " " + name, without);
            }
        });
    }

    @Test
    void whatEachCommandPrintsWithOutputJsonIsJson() throws Exception {
        final RegistryClient orders = member("orders");
        orders.register(
                        ORDERS,
                        InstanceId.of("orders-1"),
                        Registration.builder("127.0.0.1", 8080)
                                .metadata(Map.of("version", "v1"))
                                .build())
                .join();
        final Path routes = Files.writeString(
                files.resolve("routes.json"),
                "{\"rules\": [{\"name\": \"reads\", \"match\": {\"path\": {\"prefix\": \"/orders\"}}, "
                        + "\"timeout\": \"1s\"}]}");
        final Path policy = Files.writeString(
                files.resolve("policy.json"),
                "{\"rules\": [{\"routes\": [\"/orders/{id}\"], \"allowCallers\": [\"frontend\"]}]}");

        assertThat(json("routes", "apply", "orders", "-f", routes.toString())
                        .path("index")
                        .asLong())
                .isPositive();
        assertThat(json("routes", "apply", "orders", "-f", routes.toString(), "--dry-run")
                        .path("index")
                        .asLong())
                .isPositive();
        assertThat(json("routes", "get", "orders")
                        .path("routes")
                        .path("rules")
                        .get(0)
                        .path("name")
                        .asText())
                .isEqualTo("reads");
        assertThat(json("routes", "split", "orders", "v1=100", "--dry-run").has("index"))
                .isTrue();
        final long split =
                json("routes", "split", "orders", "v1=100").path("index").asLong();
        assertThat(json("routes", "get", "orders").path("index").asLong()).isEqualTo(split);
        assertThat(json("policies", "apply", "orders", "-f", policy.toString())
                        .path("index")
                        .asLong())
                .isPositive();
        assertThat(json("policies", "apply", "orders", "-f", policy.toString(), "--dry-run")
                        .has("index"))
                .isTrue();
        assertThat(json("policies", "get", "orders").path("policy").path("rules"))
                .hasSize(1);
        // A diff says whether the file differs from what is in force (the exit code says it too), and how.
        assertThat(json("policies", "diff", "orders", "-f", policy.toString())
                        .path("differ")
                        .asBoolean())
                .isFalse();
        final JsonNode routesDiff = json("routes", "diff", "orders", "-f", routes.toString());
        assertThat(routesDiff.path("differ").asBoolean()).isTrue();
        assertThat(routesDiff.path("proposed").path("rules")).hasSize(1);
        assertThat(routesDiff.path("inForce").path("rules")).hasSize(2);
        assertThat(routesDiff.path("diff").isArray()).isTrue();
        assertThat(json("policies", "default").path("default").asText()).isEqualTo("allow");
        assertThat(json("policies", "default", "deny", "--dry-run")
                        .path("wouldBecome")
                        .asText())
                .isEqualTo("deny");
        assertThat(json("policies", "default").path("default").asText()).isEqualTo("allow");
        assertThat(json("services").path("services").get(0).path("name").asText())
                .isEqualTo("orders");
        assertThat(json("bundle").path("trustBundle").asText()).startsWith("-----BEGIN CERTIFICATE-----");
        // The first rule that matches wins: reads (/orders...), then the split (every other path).
        assertThat(json("explain", "orders", "GET", "/orders/1")
                        .path("rule")
                        .path("name")
                        .asText())
                .isEqualTo("reads");
        assertThat(json("explain", "orders", "GET", "/other")
                        .path("rule")
                        .path("name")
                        .asText())
                .isEqualTo("split");
        assertThat(json("stat").has("rows")).isTrue();
        assertThat(json("edges").has("rows")).isTrue();
        assertThat(json("quotas").isContainerNode()).isTrue();
        assertThat(json("check").has("problems")).isTrue();
        assertThat(meshctl("top", "--interval", "1s", "--for", "1s", "-o", "json"))
                .isZero();
        for (String line : out.toString().strip().split("\n")) {
            assertThat(JSON.readTree(line).isObject()).as(line).isTrue();
        }

        final JsonNode join = json("token", "create", "--service", "frontend");
        assertThat(join.path("token").asText()).startsWith(join.path("id").asText() + ".");
        assertThat(json("token", "list").path("tokens").findValuesAsText("service"))
                .contains("frontend");
        assertThat(json("token", "revoke", join.path("id").asText())
                        .path("revoked")
                        .asText())
                .isEqualTo(join.path("id").asText());
        final JsonNode viewer = json("token", "create", "--viewer", "--name", "ops");
        assertThat(json("token", "list", "--viewer")
                        .path("tokens")
                        .get(0)
                        .path("name")
                        .asText())
                .isEqualTo("ops");
        assertThat(json("token", "revoke", "--viewer", viewer.path("id").asText())
                        .path("kind")
                        .asText())
                .isEqualTo("viewer");
        assertThat(json("cert", "revoke", "spiffe://mesh.local/svc/orders")
                        .path("spiffeId")
                        .asText())
                .isEqualTo("spiffe://mesh.local/svc/orders");
        assertThat(json("cert", "revocations").path("revocations")).hasSize(1);
        assertThat(json("routes", "delete", "orders", "--dry-run")
                        .path("wouldRemove")
                        .asBoolean())
                .isTrue();
        assertThat(json("routes", "delete", "orders").path("removedAt").asLong())
                .isPositive();
        assertThat(json("ca", "rotate").has("newRoot")).isTrue();

        // audit reads the log beside the registry: no --registry.
        assertThat(meshctlWithout("audit", "--data-dir", dataDir.toString(), "-o", "json"))
                .isZero();
        assertThat(JSON.readTree(out.toString()).path("entries").findValuesAsText("action"))
                .contains("routes.put", "token.create", "ca.rotate");
    }

    private JsonNode json(String... args) throws Exception {
        final List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--output", "json"));
        final int exit = meshctl(all.toArray(String[]::new));
        assertThat(exit).as("meshctl %s: %s", all, err).isIn(0, 1);
        final JsonNode json = JSON.readTree(out.toString());
        assertThat(json).as("meshctl %s printed %s", all, out).isNotNull();
        return json;
    }

    private RegistryClient member(String service) {
        return mesh.member(service);
    }

    private int meshctl(String... args) {
        return mesh.meshctl(args);
    }

    private int meshctlWithout(String... args) {
        return mesh.meshctlWithout(args);
    }
}
