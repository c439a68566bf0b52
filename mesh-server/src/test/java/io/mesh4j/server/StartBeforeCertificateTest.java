package io.mesh4j.server;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLSocket;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.MeshIdentity;
import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;

/**
 * A server started with an identity that has no certificate yet builds its Armeria server while the certificate is
 * on its way, and listens only once it is in: then it presents the workload's certificate, and serves a mesh caller
 * over mTLS.
 */
class StartBeforeCertificateTest {

    @TempDir
    Path dataDir;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    @Test
    void buildsWhileTheCertificateIsOnItsWayAndListensOnlyOnceItIsIn() throws Exception {
        // The registry makes its CA and the workload's token, then is away while the server starts.
        final int registryPort = freePort();
        final MeshRegistry first = registry(registryPort);
        final String token = RegistryAccess.ADMIN_CLIENT
                .get(first)
                .createToken(new IdentityJson.TokenRequest(ServiceName.of("orders"), Duration.ofMinutes(10), 1))
                .join()
                .token();
        final String bundle = first.trustBundlePem();
        final URI registryUri = first.uri();
        first.close();

        final WorkloadIdentity identity = WorkloadIdentity.builder(registryUri, "orders")
                .joinToken(token)
                .trustBundle(bundle)
                .build();
        toClose.add(identity);
        final CountDownLatch built = new CountDownLatch(1);
        final AtomicBoolean builtWithoutCertificate = new AtomicBoolean();
        final MeshServer server = MeshServer.builder("orders", registryUri)
                .identity(identity)
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .service("/whoami", (ctx, req) -> {
                    final @Nullable SpiffeId caller = MeshIdentity.peer(ctx);
                    return HttpResponse.of(caller == null ? "nobody" : caller.toString());
                })
                .armeria(sb -> {
                    builtWithoutCertificate.set(identity.keyPair() == null);
                    built.countDown();
                })
                .build();
        toClose.add(server);

        final CompletableFuture<MeshServer> started = server.start();
        assertThat(built.await(10, TimeUnit.SECONDS))
                .as("the Armeria server built")
                .isTrue();
        assertThat(builtWithoutCertificate)
                .as("built before the certificate was in")
                .isTrue();
        assertThat(identity.keyPair()).isNull();
        assertThat(server.whenServing()).as("listening without a certificate").isNotDone();
        assertThatThrownBy(server::armeriaServer).isInstanceOf(IllegalStateException.class);

        // The registry comes back: the certificate, the registry's first answers, the listener, the registration.
        final MeshRegistry back = registry(registryPort);
        toClose.add(back);
        started.get(30, TimeUnit.SECONDS);
        final int port = server.whenServing().join();

        final WorkloadIdentity caller = TlsWorkloads.join(back, "frontend", toClose);
        try (SSLSocket socket = TlsSockets.connectAs(caller, port)) {
            assertThat(socket.getSession().getPeerCertificates()[0])
                    .as("the certificate the listener presents")
                    .isEqualTo(requireNonNull(identity.keyPair())
                            .certificateChain()
                            .get(0));
        }
        assertThat(TlsWorkloads.clientAs(caller, port, toClose)
                        .get("/whoami")
                        .aggregate()
                        .join()
                        .contentUtf8())
                .isEqualTo(caller.id().toString());
    }

    private MeshRegistry registry(int port) {
        return MeshRegistry.builder()
                .host("127.0.0.1")
                .port(port)
                .dataDir(dataDir)
                .build()
                .start()
                .join();
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
