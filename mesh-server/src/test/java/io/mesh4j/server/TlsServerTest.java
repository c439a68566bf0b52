package io.mesh4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.ClientTlsConfig;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.common.TlsProvider;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.MeshIdentity;
import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.identity.CertificateGauges;
import io.mesh4j.core.internal.identity.Pem;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

/** A MeshServer's mTLS listener, against callers with every kind of certificate, and none. */
class TlsServerTest {

    @TempDir
    Path dataDir;

    @TempDir
    Path otherDataDir;

    private final MutableClock clock = new MutableClock();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private MeshRegistry registry;
    private MeshServer orders;

    @BeforeEach
    void start() {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .leafLifetime(Duration.ofMinutes(10))
                .build()
                .start()
                .join();
        orders = MeshServer.builder("orders", registry.uri())
                .identity(identity(registry, "orders", clock))
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .service("/whoami", (ctx, req) -> {
                    final @Nullable SpiffeId caller = MeshIdentity.peer(ctx);
                    return HttpResponse.of(caller == null ? "nobody" : caller.toString());
                })
                .build();
        orders.start().join();
    }

    @AfterEach
    void stop() throws Exception {
        orders.stop().join();
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        registry.close();
    }

    private WorkloadIdentity identity(MeshRegistry of, String service, Clock clock) {
        final String token = RegistryAccess.ADMIN_CLIENT
                .get(of)
                .createToken(new IdentityJson.TokenRequest(ServiceName.of(service), Duration.ofMinutes(10), 1))
                .join()
                .token();
        final WorkloadIdentity identity = WorkloadIdentity.builder(of.uri(), service)
                .joinToken(token)
                .trustBundle(of.trustBundlePem())
                .clock(clock)
                .build();
        toClose.add(identity);
        return identity.start().join();
    }

    /** Calls orders' /whoami presenting {@code keyPair}, or no certificate; the caller trusts any server. */
    private String callPresenting(@Nullable TlsKeyPair keyPair) {
        return clientPresenting(keyPair).get("/whoami").aggregate().join().contentUtf8();
    }

    /** A client of orders with its own connections, presenting {@code keyPair}, or no certificate. */
    private WebClient clientPresenting(@Nullable TlsKeyPair keyPair) {
        final TlsProvider presented = new TlsProvider() {
            @Override
            public @Nullable TlsKeyPair keyPair(String hostname) {
                return keyPair;
            }
        };
        final ClientFactory factory = ClientFactory.builder()
                .tlsProvider(
                        presented,
                        ClientTlsConfig.builder()
                                .tlsCustomizer(tls -> tls.trustManager(InsecureTrustManagerFactory.INSTANCE))
                                .build())
                .build();
        toClose.add(factory);
        return WebClient.builder("https://127.0.0.1:" + orders.port())
                .factory(factory)
                .build();
    }

    @Test
    void theHandlerKnowsItsCallerBySpiffeId() {
        final WorkloadIdentity frontend = identity(registry, "frontend", Clock.systemUTC());

        assertThat(callPresenting(frontend.keyPair())).isEqualTo("spiffe://mesh.local/svc/frontend");
    }

    @Test
    void armeriasCertificateGaugesAreLeftOutOfTheGlobalRegistry() {
        // The registry client and the server each built a TLS context presenting the orders certificate, which
        // registered the same gauge twice (Micrometer's WARN at every start) and kept the first certificate's.
        assertThat(callPresenting(
                        identity(registry, "frontend", Clock.systemUTC()).keyPair()))
                .isEqualTo("spiffe://mesh.local/svc/frontend");

        assertThat(Metrics.globalRegistry.getMeters())
                .extracting(meter -> meter.getId().getName())
                .doesNotContainAnyElementsOf(CertificateGauges.NAMES)
                .anyMatch(name -> name.startsWith("armeria.server."));
    }

    @Test
    void eachCallerIsNamedByItsOwnSessionOnEveryRequest() {
        // The caller's ID is kept on its TLS session: it must never be another session's, nor go stale.
        final WorkloadIdentity frontend = identity(registry, "frontend", Clock.systemUTC());
        final WorkloadIdentity billing = identity(registry, "billing", Clock.systemUTC());

        final WebClient asFrontend = clientPresenting(frontend.keyPair());
        final WebClient asBilling = clientPresenting(billing.keyPair());
        for (int i = 0; i < 3; i++) {
            assertThat(asFrontend.get("/whoami").aggregate().join().contentUtf8())
                    .isEqualTo("spiffe://mesh.local/svc/frontend");
            assertThat(asBilling.get("/whoami").aggregate().join().contentUtf8())
                    .isEqualTo("spiffe://mesh.local/svc/billing");
            assertThat(callPresenting(frontend.keyPair())).isEqualTo("spiffe://mesh.local/svc/frontend");
        }
    }

    @Test
    void theMetricsNameTheCallerItsCertificateProvesNotTheOneItsHeaderClaims() {
        final WorkloadIdentity frontend = identity(registry, "frontend", Clock.systemUTC());

        // The server was given no telemetry: its requests are counted in the shared one, with the other tests'.
        final long before = whoamiRequests("frontend");
        final WebClient asFrontend = clientPresenting(frontend.keyPair());
        for (int i = 0; i < 2; i++) {
            assertThat(asFrontend
                            .prepare()
                            .get("/whoami")
                            .header(MeshTelemetry.CALLER_HEADER, "impostor")
                            .execute()
                            .aggregate()
                            .join()
                            .contentUtf8())
                    .isEqualTo("spiffe://mesh.local/svc/frontend");
        }

        // Counted once each request has ended.
        await().atMost(Duration.ofSeconds(5)).until(() -> whoamiRequests("frontend") == before + 2);
        assertThat(whoamiRequests("impostor")).isZero();
    }

    private static long whoamiRequests(String peer) {
        final @Nullable Timer timer = MeshTelemetry.shared()
                .meterRegistry()
                .find("mesh.server.requests")
                .tag("service", "orders")
                .tag("route", "/whoami")
                .tag("peer", peer)
                .timer();
        return timer != null ? timer.count() : 0;
    }

    @Test
    void aCallerWithoutACertificateFailsTheHandshake() {
        assertThatThrownBy(() -> callPresenting(null)).isInstanceOf(CompletionException.class);
    }

    @Test
    void aCallerWithACertificateFromAnotherCaFailsTheHandshake() {
        try (MeshRegistry other = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(otherDataDir)
                .build()
                .start()
                .join()) {
            final WorkloadIdentity foreign = identity(other, "frontend", Clock.systemUTC());

            assertThatThrownBy(() -> callPresenting(foreign.keyPair())).isInstanceOf(CompletionException.class);
        }
    }

    @Test
    void aCallerWithAnExpiredCertificateFailsTheHandshake() {
        final WorkloadIdentity frontend = identity(registry, "frontend", Clock.systemUTC());
        final TlsKeyPair keyPair = frontend.keyPair();
        assertThat(callPresenting(keyPair)).isEqualTo("spiffe://mesh.local/svc/frontend");

        // The server's clock passes the caller's certificate's end.
        clock.advance(Duration.ofMinutes(11));

        assertThatThrownBy(() -> callPresenting(keyPair)).isInstanceOf(CompletionException.class);
    }

    @Test
    void opensslSeesTls13AndTheServersSpiffeId() throws Exception {
        final WorkloadIdentity frontend = identity(registry, "frontend", Clock.systemUTC());
        final Path certificate = Files.writeString(
                dataDir.resolve("frontend.crt"), Pem.write(frontend.keyPair().certificateChain()));
        final Path key = Files.writeString(
                dataDir.resolve("frontend.key"), Pem.write(frontend.keyPair().privateKey()));
        final Path bundle = dataDir.resolve("trust-bundle.pem");

        final String handshake = run(
                "openssl",
                "s_client",
                "-connect",
                "127.0.0.1:" + orders.port(),
                "-cert",
                certificate.toString(),
                "-key",
                key.toString(),
                "-CAfile",
                bundle.toString(),
                "-showcerts");

        // TLS 1.3, whose cipher suites are all AEAD with ephemeral key exchange.
        assertThat(handshake)
                .containsPattern("New, TLSv1\\.3, Cipher is TLS_(AES_\\d+_GCM|CHACHA20_POLY1305)_SHA\\d+")
                .contains("Verify return code: 0 (ok)");
        final Path peer = Files.writeString(dataDir.resolve("peer.crt"), firstCertificate(handshake));
        assertThat(run("openssl", "x509", "-in", peer.toString(), "-noout", "-ext", "subjectAltName"))
                .contains("URI:spiffe://mesh.local/svc/orders");
    }

    @Test
    void aTls12HandshakeIsRefused() throws Exception {
        final WorkloadIdentity frontend = identity(registry, "frontend", Clock.systemUTC());
        final Path certificate = Files.writeString(
                dataDir.resolve("frontend12.crt"), Pem.write(frontend.keyPair().certificateChain()));
        final Path key = Files.writeString(
                dataDir.resolve("frontend12.key"), Pem.write(frontend.keyPair().privateKey()));

        // A listener whose context lives as long as it does must not keep sessions a revoked caller could resume.
        final String handshake = run(
                "openssl",
                "s_client",
                "-tls1_2",
                "-connect",
                "127.0.0.1:" + orders.port(),
                "-cert",
                certificate.toString(),
                "-key",
                key.toString(),
                "-CAfile",
                dataDir.resolve("trust-bundle.pem").toString());

        assertThat(handshake).doesNotContainPattern("New, TLSv1\\.2").contains("Cipher is (NONE)");
    }

    private static String firstCertificate(String sClientOutput) {
        final int begin = sClientOutput.indexOf("-----BEGIN CERTIFICATE-----");
        final String end = "-----END CERTIFICATE-----";
        return sClientOutput.substring(begin, sClientOutput.indexOf(end, begin) + end.length()) + '\n';
    }

    private static String run(String... command) throws IOException, InterruptedException {
        final Process process =
                new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("openssl finished").isTrue();
        return output;
    }
}
