package io.mesh4j.benchmarks.hop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import io.mesh4j.benchmarks.process.ChildProcess;
import io.mesh4j.benchmarks.process.LocalPorts;

/**
 * The sidecar path, in the place of Istio's two Envoys: a client sidecar that takes the application's plaintext
 * HTTP/2 and carries it over mTLS to a server sidecar, which hands it to the application in plaintext again.
 * Two HAProxy processes from Debian's package, each with its default threads (one per core), HTTP/2 on every
 * leg, and connections to the next hop reused as a sidecar keeps them.
 */
final class HaproxySidecars implements AutoCloseable {

    private final ChildProcess client;
    private final ChildProcess server;
    private final int clientPort;

    private HaproxySidecars(ChildProcess client, ChildProcess server, int clientPort) {
        this.client = client;
        this.server = server;
        this.clientPort = clientPort;
    }

    /** The HAProxy binary on the path or where Debian puts it; empty when it is not installed. */
    static Optional<Path> binary() {
        final String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/local/sbin";
        return Stream.of(path.split(":"))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, "haproxy"))
                .filter(Files::isExecutable)
                .findFirst();
    }

    /**
     * Starts both sidecars in front of the application's plaintext port {@code appPort}; returns once both listen.
     */
    static HaproxySidecars start(Path workDir, BenchPki.Issued pki, int appPort) {
        final Path haproxy = binary().orElseThrow(() -> new IllegalStateException(
                "HAProxy is not installed (apt-get install haproxy; bin/bench does it when run as root)"));
        final int serverPort = LocalPorts.free();
        final int clientPort = LocalPorts.free();
        final Path serverConfig = write(
                workDir.resolve("haproxy-server-sidecar.cfg"),
                global() + """
                frontend inbound
                    bind 127.0.0.1:%d ssl crt %s ca-file %s verify required alpn h2
                    default_backend app
                backend app
                    server app 127.0.0.1:%d proto h2
                """.formatted(serverPort, pki.serverPem(), pki.ca(), appPort));
        final Path clientConfig = write(
                workDir.resolve("haproxy-client-sidecar.cfg"),
                global()
                        + """
                frontend outbound
                    bind 127.0.0.1:%d proto h2
                    default_backend peer
                backend peer
                    server echo 127.0.0.1:%d ssl crt %s ca-file %s verify required verifyhost %s sni str(%s) alpn h2
                """.formatted(
                                        clientPort,
                                        serverPort,
                                        pki.clientPem(),
                                        pki.ca(),
                                        BenchPki.SERVER_NAME,
                                        BenchPki.SERVER_NAME));
        final ChildProcess server = ChildProcess.start(
                "haproxy-server-sidecar",
                List.of(haproxy.toString(), "-db", "-f", serverConfig.toString()),
                workDir.resolve("haproxy-server-sidecar.log"));
        final ChildProcess client = ChildProcess.start(
                "haproxy-client-sidecar",
                List.of(haproxy.toString(), "-db", "-f", clientConfig.toString()),
                workDir.resolve("haproxy-client-sidecar.log"));
        try {
            LocalPorts.awaitListening(serverPort, server, Duration.ofSeconds(10));
            LocalPorts.awaitListening(clientPort, client, Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            client.close();
            server.close();
            throw e;
        }
        return new HaproxySidecars(client, server, clientPort);
    }

    /**
     * What both sidecars share: enough connections and streams for every concurrency level, HTTP mode, no logs,
     * and connections to the next hop shared between requests, as Envoy's pools do.
     */
    private static String global() {
        return """
                global
                    maxconn 4000
                    tune.h2.max-concurrent-streams 1000
                defaults
                    mode http
                    timeout connect 5s
                    timeout client 60s
                    timeout server 60s
                    http-reuse always
                """;
    }

    private static Path write(Path file, String config) {
        try {
            return Files.writeString(file, config);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Where the application sends its plaintext HTTP/2 requests. */
    int clientPort() {
        return clientPort;
    }

    ChildProcess clientSidecar() {
        return client;
    }

    ChildProcess serverSidecar() {
        return server;
    }

    @Override
    public void close() {
        client.close();
        server.close();
    }
}
