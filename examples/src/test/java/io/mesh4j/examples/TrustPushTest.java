package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerTlsConfig;

import io.mesh4j.client.MeshClient;
import io.mesh4j.client.policy.ClientPolicy;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.BossGroups;
import io.mesh4j.core.internal.identity.CertificateRequests;
import io.mesh4j.core.internal.identity.IdentityAccess;
import io.mesh4j.core.internal.identity.KeyPairs;
import io.mesh4j.core.internal.identity.Pem;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.TrustJson;
import io.mesh4j.examples.services.Workloads;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.server.MeshServer;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

/**
 * The trust state the registry pushes, end to end with real mTLS servers and clients on loopback: a revoked peer is
 * refused on new connections and cut off on open ones, a retired root stops being trusted within seconds and without
 * a renewal, and a workload whose trust bundle predates a CA rotation fails its start saying how to fix it.
 */
class TrustPushTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");
    /** How soon a push must reach the members: the registry looks for retired roots every second. */
    private static final Duration WITHIN_SECONDS = Duration.ofSeconds(5);

    @TempDir
    Path dataDir;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final RegistryClock registryClock = new RegistryClock();
    private MeshRegistry registry;
    private RegistryClient admin;

    /** The registry's clock, which the test moves on; the members keep the real one. */
    private static final class RegistryClock extends Clock {
        private volatile Duration ahead = Duration.ZERO;

        void advance(Duration duration) {
            ahead = ahead.plus(duration);
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(ahead);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    private void startRegistry(Duration leafLifetime) {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .clock(registryClock)
                .leafLifetime(leafLifetime)
                .build()
                .start()
                .join();
        admin = RegistryAccess.ADMIN_CLIENT.get(registry);
    }

    private WorkloadIdentity identity(String service) {
        final WorkloadIdentity identity = Workloads.identity(registry.uri(), admin, registry.trustBundlePem(), service);
        toClose.add(identity);
        return identity.start().join();
    }

    /** A client whose calls may wait a minute, so that only a closed connection ends a held call early. */
    private WebClient ordersClient(WorkloadIdentity identity) {
        final MeshClient client = MeshClient.builder(registry.uri())
                .identity(identity)
                .defaultPolicy(
                        ClientPolicy.builder().timeout(Duration.ofMinutes(1)).build())
                .build();
        toClose.add(client);
        client.webClient(ORDERS);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !client.endpoints(ORDERS).isEmpty());
        return client.webClient(ORDERS);
    }

    /** An orders server whose {@code /hold} never answers: a call to it keeps its connection busy. */
    private void startOrders(WorkloadIdentity identity) {
        final MeshServer server = MeshServer.builder("orders", registry.uri())
                .identity(identity)
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .service("/ok", (ctx, req) -> HttpResponse.of("ok"))
                .service("/hold", (ctx, req) -> HttpResponse.of(new CompletableFuture<HttpResponse>()))
                // The caller's port: the same one while the caller keeps its connection.
                .service(
                        "/port",
                        (ctx, req) -> HttpResponse.of(
                                Integer.toString(((java.net.InetSocketAddress) ctx.remoteAddress()).getPort())))
                .armeria(sb -> sb.requestTimeout(Duration.ZERO))
                .build();
        server.start().join();
        toClose.add(server);
    }

    private static String causes(Throwable thrown) {
        final StringBuilder all = new StringBuilder();
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            all.append(t).append('\n');
        }
        return all.toString();
    }

    @Test
    void aRevokedServerIsRefusedOnNewConnectionsAndItsOpenOnesAreClosed() {
        startRegistry(Duration.ofMinutes(10));
        final WorkloadIdentity orders = identity("orders");
        startOrders(orders);
        final WebClient client = ordersClient(identity("frontend"));
        assertThat(client.get("/ok").aggregate().join().contentUtf8()).isEqualTo("ok");
        final CompletableFuture<AggregatedHttpResponse> held =
                client.get("/hold").aggregate();

        admin.revoke(new TrustJson.RevokeRequest("spiffe://mesh.local/svc/orders", null))
                .join();

        // The open connection is closed by the client's sweep: the held call ends long before its minute.
        await().atMost(WITHIN_SECONDS).until(held::isDone);
        assertThat(held).isCompletedExceptionally();
        // A new call fails the TLS check (asked of a client of its own, whose breaker has not opened on the
        // refused retries of the held call, so that the handshake's reason is what it fails with).
        final WebClient newClient = ordersClient(identity("frontend"));
        assertThatThrownBy(() -> newClient.get("/ok").aggregate().join())
                .satisfies(e -> assertThat(causes(e))
                        .contains("every certificate of spiffe://mesh.local/svc/orders issued up to"));
        // And the revoked workload cannot renew its way back.
        assertThatThrownBy(() -> IdentityAccess.REGISTRY_CLIENT
                        .get(orders)
                        .requestCertificate(new IdentityJson.CsrRequest(
                                CertificateRequests.create(KeyPairs.newP256(), orders.id()), null))
                        .join())
                .satisfies(e -> assertThat(causes(e))
                        .contains("cannot be renewed")
                        .contains("meshctl token create --service orders"));
    }

    @Test
    void aRevokedCallerIsClosedOutByTheServer() {
        startRegistry(Duration.ofMinutes(10));
        startOrders(identity("orders"));
        final WebClient client = ordersClient(identity("frontend"));
        assertThat(client.get("/ok").aggregate().join().contentUtf8()).isEqualTo("ok");
        final CompletableFuture<AggregatedHttpResponse> held =
                client.get("/hold").aggregate();

        admin.revoke(new TrustJson.RevokeRequest("spiffe://mesh.local/svc/frontend", null))
                .join();

        // Only the server refuses the caller (a client does not check itself): the held call ends because the
        // server closed its connection, and a new connection fails the server's handshake.
        await().atMost(WITHIN_SECONDS).until(held::isDone);
        assertThat(held).isCompletedExceptionally();
        assertThatThrownBy(() -> client.get("/ok").aggregate().join()).isNotNull();
    }

    @Test
    void aNewRootKeepsTheConnectionsItStillTrusts() {
        startRegistry(Duration.ofMinutes(10));
        startOrders(identity("orders"));
        final WorkloadIdentity frontend = identity("frontend");
        final WebClient client = ordersClient(frontend);
        final String port = client.get("/port").aggregate().join().contentUtf8();

        admin.rotateCa().join();
        await().atMost(WITHIN_SECONDS).until(() -> frontend.trustBundle().size() == 2);

        // The connection passes the new trust, so it is kept: replacing every connection of every member at the
        // same second was a handshake storm that opened every breaker in the chaos suite's CA rotation.
        assertThat(client.get("/port").aggregate().join().contentUtf8())
                .as("the caller's port after the new root arrived")
                .isEqualTo(port);
    }

    @Test
    void aRetiredRootIsRefusedWithinSecondsWithoutARenewal() throws Exception {
        startRegistry(Duration.ofMinutes(10));
        // The old root's key, as someone who stole it would use it: a certificate of orders signed with it.
        final X509Certificate oldRoot = Pem.readCertificates(
                        Files.readString(dataDir.resolve("ca/root-1.crt"), StandardCharsets.US_ASCII))
                .get(0);
        final PrivateKey oldKey =
                Pem.readPrivateKey(Files.readString(dataDir.resolve("ca/root-1.key"), StandardCharsets.US_ASCII));
        final Server minted = serveAsOrders(mintedBy(oldRoot, oldKey));
        final WorkloadIdentity frontend = identity("frontend");
        final Instant expiresAt = frontend.expiresAt();
        final WebClient client = ordersClient(frontend);
        admin.rotateCa().join();
        await().atMost(WITHIN_SECONDS).until(() -> frontend.trustBundle().size() == 2);
        assertThat(client.get("/ok").aggregate().join().contentUtf8()).isEqualTo("ok");
        final CompletableFuture<AggregatedHttpResponse> held =
                client.get("/hold").aggregate();

        // Two leaf lifetimes later, for the registry, the old root retires.
        registryClock.advance(Duration.ofMinutes(20).plusSeconds(1));

        await().atMost(WITHIN_SECONDS).until(() -> !frontend.trustBundle().contains(oldRoot));
        await().atMost(WITHIN_SECONDS).until(held::isDone);
        assertThat(held).isCompletedExceptionally();
        // A new connection fails the TLS check: a handshake with the frontend's trust, on a connection of its own
        // (the mesh client's breaker has opened on the refused retries of the held call).
        final ClientFactory factory = ClientFactory.builder()
                .tlsCustomizer(tls -> tls.trustManager(frontend.trustManager(id -> true, "orders")))
                .build();
        toClose.add(factory);
        final WebClient direct = WebClient.builder("https://127.0.0.1:" + minted.activeLocalPort())
                .factory(factory)
                .build();
        assertThatThrownBy(() -> direct.get("/ok").aggregate().join())
                .satisfies(e -> assertThat(causes(e)).contains("was not issued by this mesh's CA"));
        assertThat(frontend.expiresAt()).as("the frontend did not renew").isEqualTo(expiresAt);
        assertThat(dataDir.resolve("ca/root-1.key")).doesNotExist();
    }

    @Test
    void aWorkloadWhoseTrustBundlePredatesARotationFailsItsStartSayingHowToFixIt() throws Exception {
        startRegistry(Duration.ofSeconds(30));
        final String staleBundle = registry.trustBundlePem();
        admin.rotateCa().join();
        // One leaf lifetime later the new root signs, and the registry's next certificate is the new root's.
        registryClock.advance(Duration.ofSeconds(31));
        final X509Certificate newRoot =
                Pem.readCertificates(registry.trustBundlePem()).get(1);
        // And that certificate is valid on this process's clock: it starts the registry's backdate (30 s) before the
        // registry's clock, which is 31 s ahead, so for up to a second it starts in the future of the admin client's
        // and the workloads' clock, and a handshake then fails as "not yet valid" rather than for what is tested.
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            final X509Certificate served = servedCertificate();
            return served.getIssuerX500Principal()
                            .getName()
                            .equals(newRoot.getSubjectX500Principal().getName())
                    && !served.getNotBefore().toInstant().isAfter(Instant.now());
        });
        // The admin client was made before the rotation, and its connection from then may have closed (idle for
        // 10 s): a new one must trust the registry's certificate of the new root.
        final String token = admin.createToken(new IdentityJson.TokenRequest(ORDERS, Duration.ofMinutes(10), 1))
                .join()
                .token();
        final WorkloadIdentity stale = WorkloadIdentity.builder(registry.uri(), "orders")
                .joinToken(token)
                .trustBundle(staleBundle)
                .build();
        toClose.add(stale);

        assertThatThrownBy(() -> stale.start().get(10, TimeUnit.SECONDS))
                .satisfies(e -> assertThat(causes(e))
                        .contains("no root of this workload's trust bundle issued")
                        .contains("older than a CA rotation")
                        .contains("meshctl bundle > trust-bundle.pem"));

        // The fix it names works, with the same token: the refused handshake spent none of its uses.
        final WorkloadIdentity fixed = WorkloadIdentity.builder(registry.uri(), "orders")
                .joinToken(token)
                .trustBundle(registry.trustBundlePem())
                .build();
        toClose.add(fixed);
        assertThat(fixed.start().get(10, TimeUnit.SECONDS).keyPair()).isNotNull();
    }

    /** The certificate the registry serves now, read by a handshake that trusts anything. */
    private X509Certificate servedCertificate() throws Exception {
        final SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[] {InsecureTrustManagerFactory.INSTANCE.getTrustManagers()[0]}, null);
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", registry.port())) {
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    /** A raw TLS server that presents {@code keyPair} as orders and takes any client. */
    private Server serveAsOrders(TlsKeyPair keyPair) {
        final Server server = Server.builder()
                .https(0)
                .tlsProvider(
                        hostname -> keyPair,
                        ServerTlsConfig.builder()
                                .clientAuth(ClientAuth.OPTIONAL)
                                .tlsCustomizer(tls -> tls.trustManager(InsecureTrustManagerFactory.INSTANCE))
                                .build())
                .service("/ok", (ctx, req) -> HttpResponse.of("ok"))
                .service("/hold", (ctx, req) -> HttpResponse.of(new CompletableFuture<HttpResponse>()))
                .requestTimeout(Duration.ZERO)
                .connectionDrainDuration(Duration.ZERO)
                .bossGroupFactory(BossGroups::newBossGroup)
                .build();
        server.start().join();
        toClose.add(server::close);
        admin.register(
                        ORDERS,
                        InstanceId.of("orders-minted"),
                        Registration.builder("127.0.0.1", server.activeLocalPort())
                                .build())
                .join();
        return server;
    }

    /** A certificate of spiffe://mesh.local/svc/orders signed with {@code rootKey}, valid for an hour. */
    private static TlsKeyPair mintedBy(X509Certificate root, PrivateKey rootKey) throws Exception {
        final KeyPair key = KeyPairs.newP256();
        final Instant now = Instant.now();
        final JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                root.getSubjectX500Principal(),
                BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minusSeconds(60)),
                Date.from(now.plus(Duration.ofHours(1))),
                new javax.security.auth.x500.X500Principal("CN=orders"),
                key.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
            KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
        }));
        builder.addExtension(
                Extension.subjectAlternativeName,
                true,
                new GeneralNames(
                        new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://mesh.local/svc/orders")));
        final X509Certificate leaf = new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(rootKey)));
        return TlsKeyPair.of(key.getPrivate(), List.of(leaf, root));
    }
}
