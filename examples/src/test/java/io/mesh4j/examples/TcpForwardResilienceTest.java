package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.Endpoint;

import io.mesh4j.client.MeshClient;
import io.mesh4j.client.TcpForward;
import io.mesh4j.client.TcpForwardConfig;
import io.mesh4j.client.breaker.BreakerConfig;
import io.mesh4j.client.policy.ClientPolicy;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.PolicyJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.server.MeshServer;
import io.micrometer.core.instrument.Counter;

/**
 * What a TCP forward does when an instance refuses its connections, and when a connection idles, with real sockets:
 * a registry, a mesh server (mTLS) in front of an echo backend, and plain sockets as the service's ordinary client.
 */
class TcpForwardResilienceTest {

    private static final ServiceName ECHO = ServiceName.of("echo");

    @TempDir
    Path dataDir;

    private LocalMesh local;
    private RegistryClient admin;
    private Echo echo;

    @BeforeEach
    void start() throws Exception {
        local = LocalMesh.start(dataDir);
        admin = RegistryAccess.ADMIN_CLIENT.get(local.registry());
        admin.putPolicy(
                        ECHO,
                        PolicyJson.parsePolicy(
                                "{\"rules\": [{\"allowCallers\": [\"api\"]}]}".getBytes(StandardCharsets.UTF_8)))
                .join();
        echo = local.closeLater(new Echo());
        final MeshServer server = MeshServer.builder("echo", local.uri())
                .identity(local.identity("echo"))
                .instanceId("echo-1")
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .tcp(echo.address())
                .build();
        server.start().join();
        local.closeLater(server);
    }

    @AfterEach
    void stop() throws Exception {
        if (local != null) {
            local.close();
        }
    }

    @Test
    void anInstanceThatFailsConnectsOpensItsBreakerAndGetsNoMoreAttempts() throws Exception {
        // Listed for echo, but no mesh server: it accepts and closes at once (a FIN before any ServerHello), so every
        // handshake with it fails, at once.
        try (Refuser refuser = new Refuser()) {
            admin.register(
                            ECHO,
                            InstanceId.of("echo-broken"),
                            // No heartbeats come: a TTL that outlasts the test.
                            Registration.builder("127.0.0.1", refuser.port())
                                    .ttl(Duration.ofMinutes(10))
                                    .build())
                    .join();
            final MeshClient api = local.closeLater(MeshClient.builder(local.uri())
                    .identity(local.identity("api"))
                    // Open long enough that no trial connection comes while the test looks.
                    .policy(
                            "echo",
                            ClientPolicy.builder()
                                    .breaker(BreakerConfig.builder()
                                            .openDuration(Duration.ofMinutes(5))
                                            .build())
                                    .build())
                    .build());
            final TcpForward forward = api.tcpForward("echo");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> api.endpoints(ECHO).size() == 2);

            // Every connection lands (a failed connect is tried on the other instance) until the breaker opens.
            for (int i = 0; i < 200 && api.ejected(ECHO).isEmpty(); i++) {
                assertEchoes(forward, "before-" + i);
            }
            assertThat(api.ejected(ECHO)).extracting(Endpoint::port).containsExactly(refuser.port());
            final int attempts = refuser.accepted();
            assertThat(attempts).isGreaterThanOrEqualTo(1);

            for (int i = 0; i < 30; i++) {
                assertEchoes(forward, "after-" + i);
            }
            assertThat(refuser.accepted())
                    .as("connects to the instance whose breaker is open")
                    .isEqualTo(attempts);
        }
    }

    @Test
    void aForwardClosesAConnectionIdleForItsIdleTimeoutOnBothSides() throws Exception {
        final MeshClient api = local.closeLater(
                MeshClient.builder(local.uri()).identity(local.identity("api")).build());
        final TcpForward forward = api.tcpForward(
                "echo",
                TcpForwardConfig.builder().idleTimeout(Duration.ofMillis(300)).build());
        assertThat(forward.config().idleTimeout()).isEqualTo(Duration.ofMillis(300));
        final double idle = idleClosed();
        try (Socket socket = connect(forward)) {
            socket.getOutputStream().write('a');
            assertThat(socket.getInputStream().read()).isEqualTo('a');
            // Then nothing either way: the forward closes the local side (the read ends within the 10 s)...
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        }
        // ... and the mesh connection, which the server closes to the backend.
        await().atMost(Duration.ofSeconds(10)).until(() -> echo.ended() == 1);
        assertThat(idleClosed()).isEqualTo(idle + 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> forward.openConnections() == 0);
    }

    private static void assertEchoes(TcpForward forward, String text) throws IOException {
        try (Socket socket = connect(forward)) {
            final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            socket.getOutputStream().write(bytes);
            assertThat(new String(socket.getInputStream().readNBytes(bytes.length), StandardCharsets.UTF_8))
                    .isEqualTo(text);
        }
    }

    private static Socket connect(TcpForward forward) throws IOException {
        final Socket socket =
                new Socket(InetAddress.getLoopbackAddress(), forward.address().getPort());
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static double idleClosed() {
        final Counter counter = MeshTelemetry.shared()
                .meterRegistry()
                .find("mesh.client.tcp.connections")
                .tags("service", "echo", "outcome", "closed", "reason", "idle")
                .counter();
        return counter == null ? 0 : counter.count();
    }

    /** Echoes every byte; counts the connections that ended. */
    private static final class Echo implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final AtomicInteger ended = new AtomicInteger();

        Echo() throws IOException {
            final Thread acceptor = new Thread(this::acceptAll, "echo-" + socket.getLocalPort());
            acceptor.setDaemon(true);
            acceptor.start();
        }

        InetSocketAddress address() {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), socket.getLocalPort());
        }

        int ended() {
            return ended.get();
        }

        private void acceptAll() {
            while (!socket.isClosed()) {
                try {
                    final Socket connection = socket.accept();
                    final Thread thread = new Thread(() -> echo(connection), "echo-connection");
                    thread.setDaemon(true);
                    thread.start();
                } catch (IOException closed) {
                    return;
                }
            }
        }

        private void echo(Socket connection) {
            try (connection;
                    InputStream in = connection.getInputStream();
                    OutputStream out = connection.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException gone) {
                // The peer went away.
            } finally {
                ended.incrementAndGet();
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Accepts connections and closes them at once: an instance that is listed but refuses; counts them. */
    private static final class Refuser implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final AtomicInteger accepted = new AtomicInteger();

        Refuser() throws IOException {
            final Thread acceptor = new Thread(
                    () -> {
                        while (!socket.isClosed()) {
                            try (Socket connection = socket.accept()) {
                                accepted.incrementAndGet();
                            } catch (IOException closed) {
                                return;
                            }
                        }
                    },
                    "refuser-" + socket.getLocalPort());
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        int accepted() {
            return accepted.get();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
