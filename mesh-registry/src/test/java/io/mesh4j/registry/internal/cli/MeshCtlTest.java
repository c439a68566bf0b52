package io.mesh4j.registry.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.RouteJson;
import io.mesh4j.core.routing.WeightedSubset;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import picocli.CommandLine;

/** meshctl against a real TLS registry, as an operator runs it beside the registry. */
class MeshCtlTest {

    @TempDir
    Path dataDir;

    @TempDir
    Path outputDir;

    private MeshRegistry registry;
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
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    private int meshctl(String... args) {
        final CommandLine commandLine = MeshCtl.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        final String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(
                new String[] {"--registry", registry.uri().toString(), "--data-dir", dataDir.toString()},
                0,
                all,
                args.length,
                4);
        return commandLine.execute(all);
    }

    @Test
    void bundleRedirectedToAFileWritesTheWholeTrustBundle() throws Exception {
        // As an operator runs it, `meshctl bundle > bundle.pem`: its own process, its output to a file, and the
        // JVM's exit right after the command, which drops whatever was not flushed.
        final Path bundle = outputDir.resolve("bundle.pem");
        final Process meshctl = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        MeshCtl.class.getName(),
                        "bundle",
                        "--registry",
                        registry.uri().toString(),
                        "--data-dir",
                        dataDir.toString())
                .redirectOutput(bundle.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        assertThat(meshctl.waitFor(60, java.util.concurrent.TimeUnit.SECONDS))
                .as("meshctl ended")
                .isTrue();
        assertThat(meshctl.exitValue()).isZero();
        assertThat(java.nio.file.Files.readString(bundle)).isEqualTo(registry.trustBundlePem());
    }

    @Test
    void makesAJoinTokenThatListsAndRevokes() {
        assertThat(meshctl("token", "create", "--service", "orders", "--uses", "3"))
                .isZero();
        final String token = out.toString().strip();
        assertThat(token).matches("[0-9a-f]{12}\\.[A-Za-z0-9_-]{43}");
        assertThat(err.toString()).contains("for orders: 3 use(s)");

        meshctl("token", "list");
        assertThat(out.toString()).contains(token.substring(0, 12) + "   orders", "3          no");

        assertThat(meshctl("token", "revoke", token.substring(0, 12))).isZero();
        assertThat(RegistryAccess.ADMIN_CLIENT
                        .get(registry)
                        .tokens()
                        .join()
                        .get(0)
                        .revoked())
                .isTrue();
    }

    @Test
    void splitsTrafficLiveAndSaysWhichSubsetHasNoInstance() {
        assertThat(meshctl("routes", "split", "orders", "v1=90", "v2=10")).isZero();

        assertThat(out.toString())
                .contains("routes of orders in force at index")
                .contains("warning: rule 'split': subset {version=v1} matches no instance");
        final RouteJson.RoutesSnapshot routes = RegistryAccess.ADMIN_CLIENT
                .get(registry)
                .routes(ServiceName.of("orders"))
                .join();
        assertThat(routes.routes().rules().get(0).split())
                .extracting(WeightedSubset::weight)
                .containsExactly(90, 10);

        assertThat(meshctl("routes", "split", "orders", "v1=50", "v2=50")).isZero();
        assertThat(RegistryAccess.ADMIN_CLIENT
                        .get(registry)
                        .routes(ServiceName.of("orders"))
                        .join()
                        .routes()
                        .rules())
                .hasSize(1);
    }

    @Test
    void refusesWhatWouldNotWorkWithOneLineAndExitCodeTwo() throws Exception {
        assertThat(meshctl("routes", "split", "orders", "v1=90", "v2=5")).isEqualTo(2);
        assertThat(err.toString()).contains("the weights sum to 95 (expected: 100)");

        final Path file = Files.writeString(dataDir.resolve("routes.json"), "{\"rules\": [{\"nmae\": \"x\"}]}");
        assertThat(meshctl("routes", "apply", "orders", "-f", file.toString())).isEqualTo(2);
        assertThat(err.toString()).contains(file + ": rules[0] ('rule-0'): unknown field 'nmae'");

        assertThat(meshctl("token", "create", "--service", "Orders")).isEqualTo(2);
        assertThat(err.toString()).contains("DNS-1123");
        assertThat(RegistryAccess.ADMIN_CLIENT.get(registry).tokens().join()).isEmpty();
        assertThat(List.of(out.toString())).noneMatch(s -> s.contains("Exception"));
    }

    @Test
    void aBadArgumentIsNamedBeforeTheRegistryIsAsked() {
        // No registry answers at port 1: the arguments are checked before a connection is made, so the operator
        // hears what to fix in them rather than that the registry is unreachable.
        final CommandLine commandLine = MeshCtl.commandLine();
        commandLine.setErr(new PrintWriter(err, true));

        assertThat(commandLine.execute(
                        "routes",
                        "split",
                        "orders",
                        "v1=90",
                        "v2=5",
                        "--registry",
                        "https://127.0.0.1:1",
                        "--data-dir",
                        dataDir.toString()))
                .isEqualTo(2);
        assertThat(err.toString())
                .contains("the weights sum to 95 (expected: 100)")
                .doesNotContain("127.0.0.1:1");
    }
}
