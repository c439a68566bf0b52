package io.mesh4j.examples.springapps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;

/**
 * A small Spring Boot application on each supported parent ({@code spring-boot-starter-parent} 4.0.7 with
 * {@code mesh-spring-boot-starter}, and 3.5.7 with {@code mesh-spring-boot3-starter}), written out and built with the
 * Maven wrapper as its team would build it, then run as its own process against a real registry over mTLS: a
 * request to its controller goes through the mesh (its {@code @ServiceClient} calls its own {@code @MeshService}),
 * and its actuator shows the mesh.
 *
 * <p>The applications depend on the starters by their coordinates, as a user's do. The starters are not in the
 * machine's {@code ~/.m2} (nothing of this project is ever installed there): this test installs this build's
 * mesh4j modules into a repository of its own, {@code target/spring-apps/repository}, and builds each application
 * with {@code ~/.m2} as its local repository and the test's as a read-only tail ({@code maven.repo.local.tail},
 * Maven 3.9's chained local repository), where mesh4j's artifacts come from. It builds offline, and online only if
 * a Spring Boot artifact is missing (downloaded into {@code ~/.m2}, as any build would, so the next run is
 * offline). The logs are in {@code target/spring-apps}: {@code install.log}, and per application
 * {@code build.log} and {@code target/run.log}.
 */
class SpringBootApplicationsTest {

    private static final Path ROOT = Path.of("../..").toAbsolutePath().normalize();
    private static final Path WORK = Path.of("target/spring-apps").toAbsolutePath();
    private static final Path REPOSITORY = WORK.resolve("repository");
    private static final Pattern PORT = Pattern.compile("started on port (\\d+)");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private MeshRegistry registry;
    private final List<Process> processes = new ArrayList<>();

    @BeforeAll
    static void installTheStarters() throws Exception {
        Files.createDirectories(WORK);
        // The machine's repository is the applications' builds' local one, the test's only its tail: a mesh4j jar
        // installed there (a stray mvn install) would win over this build's, and an application would fail to start
        // with a NoClassDefFoundError of a class this build added. Say so instead.
        final Path installed = Path.of(machineRepository(), "io", "mesh4j");
        if (Files.isDirectory(installed)) {
            try (Stream<Path> files = Files.walk(installed)) {
                assertThat(files.filter(file -> file.toString().endsWith(".jar"))
                                .toList())
                        .as("mesh4j jars installed in " + installed + " would shadow this build's in the applications' "
                                + "builds: remove " + installed + " (nothing of this project belongs there)")
                        .isEmpty();
            }
        }
        // Compiled already by this build: this packages and installs them (their parent, and mesh-registry, which
        // mesh-client tests with) into the test's
        // repository, with the machine's as a read-only tail for everything else; tests and checks are their modules'.
        maven(
                ROOT,
                WORK.resolve("install.log"),
                REPOSITORY,
                machineRepository(),
                "install",
                "-pl",
                ".,mesh-core,mesh-registry,mesh-client,mesh-server,mesh-spring-boot-starter,mesh-spring-boot3-starter",
                "-Dmaven.test.skip=true",
                "-Dmaven.javadoc.skip=true",
                "-Dspotless.check.skip=true");
    }

    @BeforeEach
    void startRegistry() {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir.resolve("registry"))
                .build()
                .start()
                .join();
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (Process process : processes) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        registry.close();
    }

    @Test
    void aSpringBoot4ApplicationWithTheStarterAndNoVersionProperties() throws Exception {
        final Path app = buildApplication("boot4");
        final int port = start(app);
        assertServesThroughTheMesh(port, app);
    }

    @Test
    void aSpringBoot35ApplicationWithTheBoot3Starter() throws Exception {
        final Path app = buildApplication("boot3");
        final int port = start(app);
        assertServesThroughTheMesh(port, app);
    }

    @Test
    void theReadmeShowsTheApplicationThatIsBuilt() throws IOException {
        final String readme = Files.readString(ROOT.resolve("README.md"));
        final String section = readme.substring(readme.indexOf("\n## Spring Boot\n"));
        final int start = section.indexOf("```java") + "```java".length();
        final String shown = section.substring(start, section.indexOf("```", start));
        final String built = Files.readString(
                Path.of("src/test/resources/apps/src/main/java/com/example/greeter/GreeterApplication.java"));
        assertThat(shown.replaceAll("\\s+", ""))
                .as("the README's Spring Boot example against the application this test builds: change both together")
                .isEqualTo(built.replaceAll("\\s+", ""));
    }

    private void assertServesThroughTheMesh(int port, Path jar) throws Exception {
        // The controller calls greeter through the typed client: mTLS, discovery, the whole outbound stack.
        assertThat(get(port, "/hello/world")).isEqualTo("hello world, through the mesh");
        assertThat(get(port, "/actuator/health"))
                .contains("\"mesh\":{")
                .contains("\"spiffeId\":\"spiffe://mesh.local/svc/greeter\"")
                .contains("\"endpoints\":{\"greeter\":1}");
        // The mesh's golden metrics in the application's own registry, with its common tag (team=payments).
        final String prometheus = get(port, "/actuator/prometheus");
        Files.writeString(jar.resolveSibling("prometheus.txt"), prometheus);
        assertThat(prometheus)
                .containsPattern("mesh_client_requests_seconds_count\\{[^}]*service=\"greeter\"[^}]*team=\"payments\"")
                .containsPattern("mesh_server_requests_seconds_count\\{[^}]*team=\"payments\"");
        assertThat(get(port, "/actuator/metrics/mesh.client.requests"))
                .contains("\"name\":\"mesh.client.requests\"")
                .contains("\"tag\":\"team\"");
        // Micrometer's "This Gauge has been already registered" was logged at every start, and again once serving.
        final String log = read(jar.resolveSibling("run.log"));
        assertThat(log).doesNotContain("already registered").doesNotContain(" WARN ");
    }

    /** Writes the application (the line's POM, the shared code) and builds it with the Maven wrapper. */
    private Path buildApplication(String line) throws Exception {
        final Path app = WORK.resolve(line);
        deleteRecursively(app);
        final Path sources = Path.of("src/test/resources/apps");
        copyTree(sources.resolve("src"), app.resolve("src"));
        Files.copy(sources.resolve(line).resolve("pom.xml"), app.resolve("pom.xml"));
        // The project's wrapper, as an application generated by start.spring.io has its own.
        Files.copy(ROOT.resolve("mvnw"), app.resolve("mvnw"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.createDirectories(app.resolve(".mvn/wrapper"));
        Files.copy(
                ROOT.resolve(".mvn/wrapper/maven-wrapper.properties"),
                app.resolve(".mvn/wrapper/maven-wrapper.properties"));
        // The machine's repository as the local one, as for any build (what it downloads stays there), and the
        // test's, with this build's mesh4j, as a read-only tail: nothing of mesh4j is written to the machine's.
        maven(app, app.resolve("build.log"), machineRepository(), REPOSITORY, "package");
        final Path jar = app.resolve("target/greeter-1.0.jar");
        assertThat(jar).exists();
        return jar;
    }

    /** Starts the application's jar with the three mesh properties, and answers its web server's port. */
    private int start(Path jar) throws Exception {
        final String token = RegistryAccess.ADMIN_CLIENT
                .get(registry)
                .createToken(new IdentityJson.TokenRequest(ServiceName.of("greeter"), Duration.ofMinutes(10), 1))
                .join()
                .token();
        final Path tokenFile = Files.writeString(dir.resolve("greeter.token"), token);
        final Path bundle = Files.writeString(dir.resolve("trust-bundle.pem"), registry.trustBundlePem());
        final Path log = jar.resolveSibling("run.log");
        final Process process = new ProcessBuilder(
                        ProcessHandle.current().info().command().orElse("java"),
                        "-jar",
                        jar.toString(),
                        "--server.port=0",
                        "--mesh.registry=" + registry.uri(),
                        "--mesh.join-token-file=" + tokenFile,
                        "--mesh.trust-bundle-file=" + bundle,
                        "--mesh.advertised-host=127.0.0.1",
                        "--mesh.drain-period=0s")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        processes.add(process);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new AssertionError(
                                "the application exited with " + process.exitValue() + ":\n" + read(log));
                    }
                    return read(log).contains("Started GreeterApplication");
                });
        final Matcher port = PORT.matcher(read(log));
        assertThat(port.find()).as("the web server's port in %s", log).isTrue();
        return Integer.parseInt(port.group(1));
    }

    private static String get(int port, String path) throws Exception {
        final HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode())
                .as("GET %s: %s", path, response.body())
                .isEqualTo(200);
        return response.body();
    }

    /**
     * Runs the Maven wrapper in {@code dir} with a local repository and a read-only tail to it (Maven 3.9's chained
     * local repository): offline first, online only if an artifact is missing from both.
     */
    private static void maven(Path dir, Path log, Object local, Object tail, String... goals) throws Exception {
        final List<String> command = new ArrayList<>(List.of(
                dir.resolve("mvnw").toString(),
                "-B",
                "-ntp",
                "-Dmaven.repo.local=" + local,
                "-Dmaven.repo.local.tail=" + tail));
        command.addAll(List.of(goals));
        final List<String> offline = new ArrayList<>(command);
        offline.add(1, "-o");
        if (run(dir, log, offline) == 0) {
            return;
        }
        if (!read(log).contains("offline")) {
            throw new AssertionError("the build in " + dir + " failed:\n" + tail(read(log)));
        }
        if (run(dir, log, command) != 0) {
            throw new AssertionError("the build in " + dir + " failed online too:\n" + tail(read(log)));
        }
    }

    private static int run(Path dir, Path log, List<String> command) throws Exception {
        final Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("the build in " + dir + " took over 5 minutes:\n" + tail(read(log)));
        }
        return process.exitValue();
    }

    /** The machine's local repository, which the build running this test uses. */
    private static String machineRepository() {
        final String configured = System.getProperty("mesh4j.localRepository", "");
        return configured.isBlank()
                ? Path.of(System.getProperty("user.home"), ".m2", "repository").toString()
                : configured;
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tail(String text) {
        return text.length() > 6000 ? text.substring(text.length() - 6000) : text;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                final Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> files = Files.walk(path)) {
            for (Path file : files.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.delete(file);
            }
        }
    }
}
