package io.mesh4j.registry.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.RegistryException;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import picocli.CommandLine;

/**
 * {@code meshctl policies diff}, {@code routes diff} and {@code apply --dry-run} against a real TLS registry: a diff
 * shows what a file would change and exits 1 when it would change anything; a dry run is checked by the registry as
 * a write, warnings included, and leaves nothing behind.
 */
class DiffAndDryRunTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");
    private static final String POLICY =
            "{\"rules\": [{\"routes\": [\"/orders/{id}\"], \"allowCallers\": " + "[\"frontend\"]}]}";
    private static final String CANARY = "{\"rules\": [{\"name\": \"canary\", \"route\": [{\"subset\": "
            + "{\"version\": \"v2\"}, \"weight\": 100}]}]}";

    @TempDir
    Path dataDir;

    @TempDir
    Path files;

    private MeshRegistry registry;
    private RegistryClient admin;
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
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void aPolicyDiffShowsWhatTheFileWouldChangeAndADryRunWritesNothing() throws Exception {
        final Path file = file("policy.json", POLICY);
        assertThat(meshctl("policies", "diff", "orders", "-f", file.toString())).isEqualTo(1);
        assertThat(out.toString())
                .contains("--- the access policy of orders in force at index 0")
                .contains("+++ " + file)
                .contains("+   \"rules\"")
                .contains("+     \"allowCallers\" : [ \"frontend\" ]");

        assertThat(meshctl("policies", "apply", "orders", "-f", file.toString(), "--dry-run"))
                .isZero();
        assertThat(out.toString())
                .contains("dry run: the registry accepts this access policy")
                .contains("nothing");
        assertThat(admin.policy(ORDERS).join().policy()).isNull();

        assertThat(meshctl("policies", "apply", "orders", "-f", file.toString()))
                .isZero();
        assertThat(meshctl("policies", "diff", "orders", "-f", file.toString())).isZero();
        assertThat(out.toString()).startsWith("no difference: " + file);

        // Another caller: one line goes, one comes; the rest is context.
        Files.writeString(file, POLICY.replace("[\"frontend\"]", "[\"frontend\", \"billing\"]"));
        assertThat(meshctl("policies", "diff", "orders", "-f", file.toString())).isEqualTo(1);
        assertThat(out.toString())
                .contains("-     \"allowCallers\" : [ \"frontend\" ]")
                .contains(
                        "-     \"allowCallers\" : [ \"frontend\" ]\n+     \"allowCallers\" : [ \"billing\", \"frontend\" ]")
                .contains("      \"routes\" : [ \"/orders/{id}\" ]");
    }

    @Test
    void aRoutesDryRunSaysTheRegistrysWarningsAndWritesNothing() throws Exception {
        final Path file = file("routes.json", CANARY);
        assertThat(meshctl("routes", "apply", "orders", "-f", file.toString(), "--dry-run"))
                .isZero();
        assertThat(out.toString())
                .contains("dry run: the registry accepts this route config (in force now: index 0)")
                .contains("warning: ")
                .contains("version=v2");
        assertThat(admin.routes(ORDERS).join().routes()).isNull();
        assertThat(meshctl("routes", "diff", "orders", "-f", file.toString())).isEqualTo(1);
        assertThat(out.toString()).contains("+     \"name\" : \"canary\"");

        assertThat(meshctl("routes", "apply", "orders", "-f", file.toString())).isZero();
        assertThat(meshctl("routes", "diff", "orders", "-f", file.toString())).isZero();
    }

    @Test
    void aDryRunOfABadDocumentOrWithABadFlagIsA400() {
        assertThatThrownBy(() -> admin.putJson("/v1/routes/orders?dryRun=yes", CANARY.getBytes(StandardCharsets.UTF_8))
                        .join())
                .hasCauseInstanceOf(RegistryException.class)
                .satisfies(e -> assertThat(e.getCause().getMessage()).contains("dryRun: 'yes'"));
        assertThatThrownBy(() -> admin.putJson(
                                "/v1/routes/orders?dryRun=true",
                                "{\"rules\": [{\"retries\": -1}]}".getBytes(StandardCharsets.UTF_8))
                        .join())
                .hasCauseInstanceOf(RegistryException.class)
                .satisfies(e ->
                        assertThat(((RegistryException) e.getCause()).status()).isEqualTo(400));
    }

    private Path file(String name, String content) throws Exception {
        return Files.writeString(files.resolve(name), content);
    }

    private int meshctl(String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        final CommandLine commandLine = MeshCtl.commandLine(
                Map.of("MESHCTL_REGISTRY", registry.uri().toString(), "MESHCTL_DATA_DIR", dataDir.toString()));
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        final int exit = commandLine.execute(args);
        if (exit != 0 && exit != 1) {
            throw new AssertionError("meshctl " + String.join(" ", args) + ": exit " + exit + ": " + err);
        }
        return exit;
    }
}
