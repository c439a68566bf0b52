package io.mesh4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.core.authz.DefaultPolicy;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.registry.PolicyJson;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.micrometer.core.instrument.Counter;

/**
 * A mesh server whose service is a TCP backend, with real sockets: a registry and its CA, the server's mTLS
 * listener, a counting echo backend, and JDK TLS sockets as callers.
 */
class TcpServerTest {

    private static final ServiceName CACHE = ServiceName.of("cache");

    @TempDir
    Path dataDir;

    @TempDir
    Path foreignDataDir;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private MeshRegistry registry;
    private TcpBackend backend;
    private MeshServer cache;

    @BeforeEach
    void start() throws IOException {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .defaultPolicy(DefaultPolicy.DENY)
                .build()
                .start()
                .join();
        backend = new TcpBackend();
        toClose.add(backend);
        // Only "api" may connect: a rule without routes or methods speaks of connections.
        RegistryAccess.ADMIN_CLIENT
                .get(registry)
                .putPolicy(
                        CACHE,
                        PolicyJson.parsePolicy(
                                "{\"rules\": [{\"allowCallers\": [\"api\"]}]}".getBytes(StandardCharsets.UTF_8)))
                .join();
    }

    private MeshServer startCache(MeshServerBuilder builder) {
        cache = builder.build();
        cache.start().join();
        return cache;
    }

    private MeshServerBuilder cacheBuilder() {
        return MeshServer.builder("cache", registry.uri())
                .identity(TlsWorkloads.join(registry, "cache", toClose))
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .tcp(backend.address());
    }

    @AfterEach
    void stop() throws Exception {
        if (cache != null) {
            cache.stop().join();
        }
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        registry.close();
    }

    @Test
    void anAllowedCallersBytesArePipedToTheBackendAndBack() throws Exception {
        startCache(cacheBuilder());
        final double opened = count("opened", "");
        final double bytesIn = bytes("in");
        final double bytesOut = bytes("out");
        final WorkloadIdentity api = TlsWorkloads.join(registry, "api", toClose);
        try (SSLSocket socket = TlsSockets.connectAs(api, cache.port())) {
            socket.getOutputStream().write("hello".getBytes(StandardCharsets.UTF_8));
            assertThat(readExactly(socket.getInputStream(), 5)).isEqualTo("hello");
        }
        assertThat(backend.accepted()).isEqualTo(1);
        assertThat(count("opened", "")).isEqualTo(opened + 1);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(bytes("in")).isEqualTo(bytesIn + 5);
            assertThat(bytes("out")).isEqualTo(bytesOut + 5);
        });
        assertThat(cache.authorizationCounts().of(api.id().toString(), true)).isEqualTo(1);
    }

    @Test
    void aCallerThePolicyDoesNotAllowIsClosedBeforeTheBackendSeesAConnection() throws Exception {
        startCache(cacheBuilder());
        final double refused = count("refused", "policy");
        try (SSLSocket socket = TlsSockets.connectAs(TlsWorkloads.join(registry, "web", toClose), cache.port())) {
            socket.getOutputStream().write("FLUSHALL\r\n".getBytes(StandardCharsets.UTF_8));
            assertClosedByPeer(socket.getInputStream());
        }
        assertThat(count("refused", "policy")).isEqualTo(refused + 1);
        assertThat(backend.accepted()).isZero();
        assertThat(backend.bytesRead()).isZero();
    }

    @Test
    void aPlaintextConnectionIsRefusedAtTheHandshake() throws Exception {
        startCache(cacheBuilder());
        final double refused = count("refused", "handshake");
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), cache.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.UTF_8));
            assertClosedByPeer(socket.getInputStream());
        }
        assertThat(backend.accepted()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> count("refused", "handshake") == refused + 1);
    }

    @Test
    void aCallerWithTheCertificateOfAnotherCaIsRefused() throws Exception {
        startCache(cacheBuilder());
        final MeshRegistry foreign = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(foreignDataDir)
                .build()
                .start()
                .join();
        toClose.add(foreign);
        final WorkloadIdentity impostor = TlsWorkloads.join(foreign, "api", toClose);
        try (SSLSocket socket = TlsSockets.connectAs(impostor, cache.port())) {
            socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.UTF_8));
            assertClosedByPeer(socket.getInputStream());
        } catch (IOException refusedInTheHandshake) {
            // TLS 1.2 fails the client's handshake itself; TLS 1.3 closes the connection after it.
        }
        assertThat(backend.accepted()).isZero();
    }

    @Test
    void connectionsBeyondTheLimitAreClosedAsTheyOpen() throws Exception {
        startCache(cacheBuilder().maxConnections(2));
        final double refused = count("refused", "limit");
        final WorkloadIdentity api = TlsWorkloads.join(registry, "api", toClose);
        try (SSLSocket first = TlsSockets.connectAs(api, cache.port());
                SSLSocket second = TlsSockets.connectAs(api, cache.port())) {
            first.getOutputStream().write('1');
            second.getOutputStream().write('2');
            assertThat(readExactly(first.getInputStream(), 1)).isEqualTo("1");
            assertThat(readExactly(second.getInputStream(), 1)).isEqualTo("2");
            try (Socket third = new Socket(InetAddress.getLoopbackAddress(), cache.port())) {
                third.setSoTimeout(10_000);
                assertClosedByPeer(third.getInputStream());
            }
        }
        assertThat(backend.accepted()).isEqualTo(2);
        assertThat(count("refused", "limit")).isEqualTo(refused + 1);
    }

    @Test
    void stoppingLetsAnOpenConnectionFinishAndAcceptsNoNewOne() throws Exception {
        startCache(cacheBuilder().shutdownTimeout(Duration.ofSeconds(30)));
        final int port = cache.port();
        try (SSLSocket socket = TlsSockets.connectAs(TlsWorkloads.join(registry, "api", toClose), port)) {
            socket.getOutputStream().write('a');
            assertThat(readExactly(socket.getInputStream(), 1)).isEqualTo("a");

            final CompletableFuture<Void> stopped = cache.stop();
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThatThrownBy(
                                    () -> new Socket(InetAddress.getLoopbackAddress(), port).close())
                            .isInstanceOf(ConnectException.class));
            assertThat(stopped).isNotDone();
            socket.getOutputStream().write('b');
            assertThat(readExactly(socket.getInputStream(), 1)).isEqualTo("b");
            socket.close();
            stopped.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void anIdleConnectionIsClosedOnBothSidesAndCounted() throws Exception {
        startCache(cacheBuilder().tcpIdleTimeout(Duration.ofMillis(300)));
        final double idle = count("closed", "idle");
        try (SSLSocket socket = TlsSockets.connectAs(TlsWorkloads.join(registry, "api", toClose), cache.port())) {
            socket.getOutputStream().write('a');
            assertThat(readExactly(socket.getInputStream(), 1)).isEqualTo("a");
            // Nothing more either way: the mesh closes the caller's side (the read ends within the socket's 10 s)...
            assertClosedByPeer(socket.getInputStream());
        }
        // ... and the backend's.
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.ended() == 1);
        assertThat(count("closed", "idle")).isEqualTo(idle + 1);
    }

    @Test
    void aConnectionThatCarriesBytesOutlivesTheIdleTimeout() throws Exception {
        startCache(cacheBuilder().tcpIdleTimeout(Duration.ofMillis(500)));
        try (SSLSocket socket = TlsSockets.connectAs(TlsWorkloads.join(registry, "api", toClose), cache.port())) {
            final long until = System.nanoTime() + Duration.ofMillis(1_500).toNanos();
            int sent = 0;
            // A byte every 100 ms for three idle timeouts: never idle, never closed.
            while (System.nanoTime() < until) {
                socket.getOutputStream().write('x');
                assertThat(readExactly(socket.getInputStream(), 1)).isEqualTo("x");
                sent++;
                Thread.sleep(100);
            }
            assertThat(sent).isGreaterThan(5);
        }
    }

    @Test
    void theTcpTimeoutsSayWhatToChange() {
        assertThatThrownBy(() -> cacheBuilder().tcpIdleTimeout(Duration.ofMillis(10)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tcpIdleTimeout: PT0.01S (expected: 0 for no idle timeout, or >= 100 ms, such as "
                        + "Duration.ofMinutes(10))");
        assertThatThrownBy(() -> cacheBuilder().tcpIdleTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("tcpIdleTimeout: PT-1S (expected: 0 for no idle timeout");
        assertThatThrownBy(() -> cacheBuilder().tcpConnectTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tcpConnectTimeout: PT0S (expected: 1 ms to 1 hour, such as Duration.ofSeconds(5))");
        assertThatThrownBy(() -> cacheBuilder().tcpHandshakeTimeout(Duration.ofHours(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tcpHandshakeTimeout: PT2H (expected: 1 ms to 1 hour, such as Duration.ofSeconds(5))");
        // Zero turns the idle timeout off.
        cacheBuilder().tcpIdleTimeout(Duration.ZERO).tcpConnectTimeout(Duration.ofMillis(1));
    }

    @Test
    void aCallerThatDoesNotFinishItsHandshakeIsClosedAfterTheHandshakeTimeout() throws Exception {
        startCache(cacheBuilder().tcpHandshakeTimeout(Duration.ofMillis(300)));
        final double refused = count("refused", "handshake");
        // Connects and says nothing: no ClientHello, so the handshake never ends by itself.
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), cache.port())) {
            socket.setSoTimeout(5_000);
            final long started = System.nanoTime();
            assertClosedByPeer(socket.getInputStream());
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> count("refused", "handshake") == refused + 1);
        assertThat(backend.accepted()).isZero();
    }

    @Test
    void aTcpServerNeedsAnIdentityAndServesNoRoutes() {
        assertThatThrownBy(() -> MeshServer.builder("cache", registry.uri())
                        .plaintext()
                        .tcp(backend.address())
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("tcp(..) needs identity(..)");
        assertThatThrownBy(() -> cacheBuilder()
                        .service("/", (ctx, req) -> HttpResponse.of(200))
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("serves no HTTP routes");
    }

    private static double count(String outcome, String reason) {
        final Counter counter = MeshTelemetry.shared()
                .meterRegistry()
                .find("mesh.server.tcp.connections")
                .tags("service", "cache", "outcome", outcome, "reason", reason)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    private static double bytes(String direction) {
        final Counter counter = MeshTelemetry.shared()
                .meterRegistry()
                .find("mesh.server.tcp.bytes")
                .tags("service", "cache", "direction", direction)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    private static String readExactly(InputStream in, int n) throws IOException {
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }

    /** The peer closed: the next read ends the stream, or fails as a TLS stream cut short does. */
    private static void assertClosedByPeer(InputStream in) {
        try {
            assertThat(in.read()).isEqualTo(-1);
        } catch (IOException closed) {
            // A reset, or TLS's alert: closed all the same.
        }
    }
}
