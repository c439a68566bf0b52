package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.identity.CurrentKeyManager;
import io.mesh4j.core.internal.identity.IdentityAccess;
import io.mesh4j.server.MeshServer;

/**
 * A mesh server keeps one TLS context for its life: steady load from one caller rides one connection, a caller that
 * comes back after its connections closed costs a handshake and no new context (before, Armeria's TlsProvider built a
 * context with a PKCS#12 key store whenever no open connection held one), and a renewed certificate still reaches the
 * next connection.
 */
class TlsContextReuseTest {

    private static final ServiceName ECHO = ServiceName.of("echo");

    @TempDir
    Path dataDir;

    private LocalMesh mesh;

    @AfterEach
    void stop() throws Exception {
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void oneContextOneConnectionUnderSteadyLoadAndNoNewContextWhenACallerComesBack() throws Exception {
        mesh = LocalMesh.start(dataDir);
        final WorkloadIdentity echo = mesh.identity("echo");
        final AtomicInteger opened = new AtomicInteger();
        final AtomicInteger open = new AtomicInteger();
        final MeshServer server = mesh.closeLater(echoServer(echo, opened, open));
        final CurrentKeyManager keys = IdentityAccess.KEY_MANAGER.get(echo);
        final WorkloadIdentity frontend = mesh.identity("frontend");

        // Steady load, sequential then 32 in flight: one connection, the key read once (by the listener's start).
        final MeshClient caller =
                MeshClient.builder(mesh.uri()).identity(frontend).build();
        final WebClient client = ready(caller);
        for (int i = 0; i < 200; i++) {
            assertThat(client.get("/echo").aggregate().join().contentUtf8()).isEqualTo("ok");
        }
        concurrently(client, 32, 20);
        assertThat(opened)
                .as("connections opened by one caller under steady load")
                .hasValue(1);
        assertThat(keys.keysRead()).as("private keys read into a TLS context").isEqualTo(1);

        // The caller goes and comes back once no connection is left: a new connection, the same context.
        caller.close();
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(open).hasValue(0));
        final MeshClient again =
                MeshClient.builder(mesh.uri()).identity(frontend).build();
        try {
            concurrently(ready(again), 16, 10);
        } finally {
            again.close();
        }
        assertThat(opened).hasValue(2);
        assertThat(keys.keysRead())
                .as("private keys read after a caller reconnected")
                .isEqualTo(1);
        assertThat(presented(server.whenServing().join(), frontend, echo))
                .isEqualTo(echo.keyPair().certificateChain().get(0));
    }

    @Test
    void aRenewedCertificateReachesTheNextConnectionAndIsReadOnce() throws Exception {
        mesh = LocalMesh.start(dataDir, Duration.ofSeconds(10));
        final WorkloadIdentity echo = mesh.identity("echo");
        final MeshServer server = mesh.closeLater(echoServer(echo, new AtomicInteger(), new AtomicInteger()));
        final int port = server.whenServing().join();
        final CurrentKeyManager keys = IdentityAccess.KEY_MANAGER.get(echo);
        final WorkloadIdentity frontend = mesh.identity("frontend");
        final X509Certificate first = echo.keyPair().certificateChain().get(0);
        assertThat(presented(port, frontend, echo)).isEqualTo(first);

        // Renewed at two thirds of 10 s.
        await().atMost(Duration.ofSeconds(20))
                .until(() -> !echo.keyPair().certificateChain().get(0).equals(first));
        final X509Certificate renewed = echo.keyPair().certificateChain().get(0);
        assertThat(presented(port, frontend, echo)).isEqualTo(renewed);
        assertThat(presented(port, frontend, echo)).isEqualTo(renewed);
        assertThat(keys.keysRead()).as("private keys read: one per certificate").isEqualTo(2);
    }

    private MeshServer echoServer(WorkloadIdentity echo, AtomicInteger opened, AtomicInteger open) {
        final MeshServer server = MeshServer.builder("echo", mesh.uri())
                .identity(echo)
                .port(0)
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .service("/echo", (ctx, req) -> HttpResponse.of("ok"))
                .armeria(sb -> sb.childChannelPipelineCustomizer(pipeline -> {
                    opened.incrementAndGet();
                    open.incrementAndGet();
                    pipeline.channel().closeFuture().addListener(unused -> open.decrementAndGet());
                }))
                .build();
        server.start().join();
        return server;
    }

    private static WebClient ready(MeshClient caller) {
        caller.webClient(ECHO); // the watch of a service starts with its first client
        await().atMost(Duration.ofSeconds(10))
                .until(() -> caller.endpoints(ECHO).size() == 1);
        return caller.webClient(ECHO);
    }

    /** {@code calls} calls on each of {@code inFlight} chains at once. */
    private static void concurrently(WebClient client, int inFlight, int calls) {
        final List<CompletableFuture<?>> chains = new ArrayList<>();
        for (int i = 0; i < inFlight; i++) {
            CompletableFuture<AggregatedHttpResponse> chain =
                    client.get("/echo").aggregate();
            for (int j = 1; j < calls; j++) {
                chain = chain.thenCompose(res -> {
                    assertThat(res.contentUtf8()).isEqualTo("ok");
                    return client.get("/echo").aggregate();
                });
            }
            chains.add(chain);
        }
        CompletableFuture.allOf(chains.toArray(new CompletableFuture<?>[0])).join();
    }

    /** The certificate the server presents to a new connection of {@code caller}, checked as the mesh checks it. */
    private static X509Certificate presented(int port, WorkloadIdentity caller, WorkloadIdentity server)
            throws Exception {
        final SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(
                new KeyManager[] {IdentityAccess.KEY_MANAGER.get(caller)},
                new TrustManager[] {
                    caller.trustManager(server.id()::equals, server.id().toString())
                },
                null);
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.startHandshake();
            final Certificate[] chain = socket.getSession().getPeerCertificates();
            return (X509Certificate) chain[0];
        }
    }
}
