package io.mesh4j.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpStatus;

/**
 * A real Zipkin server (the {@code zipkin-server} exec jar the build copies to {@code target/zipkin}), run in a child
 * JVM on loopback with its in-memory storage, its output in a log file, stopped with the test.
 */
final class RealZipkin implements AutoCloseable {

    /** Where this module's build puts Zipkin's runnable jar (maven-dependency-plugin, skipped with the tests). */
    static final Path JAR = Path.of("target", "zipkin", "zipkin-server.jar");

    private final Process process;
    private final Path log;
    private final URI uri;

    private RealZipkin(Process process, Path log, URI uri) {
        this.process = process;
        this.log = log;
        this.uri = uri;
    }

    /** Starts Zipkin, and returns once it answers its health check. */
    static RealZipkin start(Path log) throws IOException {
        assertThat(JAR)
                .as("the build copies Zipkin's exec jar here (maven-dependency-plugin)")
                .exists();
        final int port = freePort();
        final Process process = new ProcessBuilder(List.of(
                        ProcessHandle.current().info().command().orElse("java"),
                        "-Xmx256m",
                        "-XX:TieredStopAtLevel=1",
                        "-jar",
                        JAR.toString(),
                        "--armeria.ports[0].port=" + port,
                        "--armeria.ports[0].ip=127.0.0.1",
                        "--armeria.ports[0].protocols[0]=http"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        final RealZipkin zipkin = new RealZipkin(process, log, URI.create("http://127.0.0.1:" + port));
        final WebClient api = zipkin.api();
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    assertThat(process.isAlive())
                            .as("zipkin is running; its log:\n%s", Files.readString(log))
                            .isTrue();
                    return api.get("/health")
                            .aggregate()
                            .handle((res, cause) -> res != null && res.status().equals(HttpStatus.OK))
                            .join();
                });
        return zipkin;
    }

    /** Where the applications send their spans. */
    URI spansEndpoint() {
        return uri.resolve("/api/v2/spans");
    }

    /** A client of Zipkin's HTTP API. */
    WebClient api() {
        return WebClient.of(uri);
    }

    Path log() {
        return log;
    }

    /**
     * A loopback port free now. Zipkin, started on it next, may rarely find it taken by then: the price of a server
     * that cannot report the port it chose.
     */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(15, TimeUnit.SECONDS);
        }
    }
}
