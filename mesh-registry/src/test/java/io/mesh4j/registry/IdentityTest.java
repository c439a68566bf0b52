package io.mesh4j.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import javax.security.auth.x500.X500Principal;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.ClientTlsConfig;
import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.common.TlsProvider;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.identity.CertificateRequests;
import io.mesh4j.core.internal.identity.IdentityAccess;
import io.mesh4j.core.internal.identity.KeyPairs;
import io.mesh4j.core.internal.identity.Pem;
import io.mesh4j.core.internal.identity.RefusalLog;
import io.mesh4j.core.internal.identity.SpiffeTrustManager;
import io.mesh4j.core.internal.identity.SpiffeVerifier;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.RegistryException;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.registry.internal.ca.CertificateAuthority;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

/** The registry as certificate authority, against a real TLS registry: what it issues, to whom, and what not. */
class IdentityTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");
    private static final ServiceName INVENTORY = ServiceName.of("inventory");

    @TempDir
    Path dataDir;

    @TempDir
    Path otherDataDir;

    private final MutableClock clock = new MutableClock();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private MeshRegistry registry;
    private RegistryClient admin;

    @BeforeEach
    void start() {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .clock(clock)
                .leafLifetime(Duration.ofMinutes(10))
                .build()
                .start()
                .join();
        admin = RegistryAccess.ADMIN_CLIENT.get(registry);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : toClose) {
            closeable.close();
        }
        registry.close();
    }

    private String token(ServiceName service, Duration ttl, int uses) {
        return admin.createToken(new IdentityJson.TokenRequest(service, ttl, uses))
                .join()
                .token();
    }

    private WorkloadIdentity identity(ServiceName service, String token) {
        final WorkloadIdentity identity = WorkloadIdentity.builder(registry.uri(), service.value())
                .joinToken(token)
                .trustBundle(registry.trustBundlePem())
                .clock(clock)
                .build();
        toClose.add(identity);
        return identity;
    }

    private WorkloadIdentity started(ServiceName service) {
        return identity(service, token(service, Duration.ofHours(1), 1)).start().join();
    }

    /** A TLS client of the registry that presents {@code keyPair} (or nothing) and verifies the registry or not. */
    private RegistryClient client(@Nullable TlsKeyPair keyPair, boolean verifyRegistry) {
        final SpiffeTrustManager trust = new SpiffeTrustManager(
                RegistryAccess.CA.get(registry)::trustBundle,
                "mesh.local",
                SpiffeId::isRegistry,
                "the registry",
                clock,
                new RefusalLog("test client"));
        final TlsProvider presented = new TlsProvider() {
            @Override
            public @Nullable TlsKeyPair keyPair(String hostname) {
                return keyPair;
            }
        };
        final ClientTlsConfig config = ClientTlsConfig.builder()
                .tlsCustomizer(tls -> {
                    if (verifyRegistry) {
                        tls.trustManager(trust);
                    } else {
                        tls.trustManager(InsecureTrustManagerFactory.INSTANCE);
                    }
                })
                .build();
        final ClientFactory factory =
                ClientFactory.builder().tlsProvider(presented, config).build();
        toClose.add(factory);
        return RegistryClient.of(registry.uri(), factory);
    }

    private static RegistryException refusal(Throwable thrown) {
        assertThat(thrown).isInstanceOf(CompletionException.class);
        assertThat(thrown.getCause()).isInstanceOf(RegistryException.class);
        return (RegistryException) thrown.getCause();
    }

    @Test
    void aWorkloadGetsItsCertificateWithAJoinTokenAndItsSpiffeIdIsItsOnlyUri() throws Exception {
        final WorkloadIdentity orders = started(ORDERS);

        final X509Certificate leaf = orders.keyPair().certificateChain().get(0);
        assertThat(orders.id()).isEqualTo(SpiffeId.parse("spiffe://mesh.local/svc/orders"));
        assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(6, "spiffe://mesh.local/svc/orders"));
        assertThat(leaf.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(leaf.getNotAfter().toInstant())
                .isBetween(
                        clock.instant().plus(Duration.ofMinutes(9)),
                        clock.instant().plus(Duration.ofMinutes(11)));
        assertThat(SpiffeVerifier.verify(
                        new X509Certificate[] {leaf},
                        RegistryAccess.CA.get(registry).trustBundle(),
                        "mesh.local",
                        SpiffeVerifier.PeerRole.CLIENT,
                        clock.instant()))
                .isEqualTo(orders.id());
        assertThat(admin.trustBundle().join()).isEqualTo(registry.trustBundlePem());
    }

    @Test
    void aTokenIsGoodForItsUsesOnly() {
        final String token = token(ORDERS, Duration.ofHours(1), 1);
        identity(ORDERS, token).start().join();

        assertThatThrownBy(() -> identity(ORDERS, token).start().join()).satisfies(e -> {
            assertThat(refusal(e).status()).isEqualTo(401);
            assertThat(refusal(e).body().error()).isEqualTo("invalid_token");
            assertThat(refusal(e).getMessage()).contains("is used up");
        });
    }

    @Test
    void revokedExpiredAndUnknownTokensAreRefused() {
        final String revoked = token(ORDERS, Duration.ofHours(1), 5);
        admin.revokeToken(revoked.substring(0, revoked.indexOf('.'))).join();
        assertThatThrownBy(() -> identity(ORDERS, revoked).start().join())
                .satisfies(e -> assertThat(refusal(e).getMessage()).contains("was revoked"));

        final String expiring = token(ORDERS, Duration.ofMinutes(1), 5);
        clock.advance(Duration.ofMinutes(2));
        assertThatThrownBy(() -> identity(ORDERS, expiring).start().join())
                .satisfies(e -> assertThat(refusal(e).getMessage()).contains("expired at"));

        assertThatThrownBy(
                        () -> identity(ORDERS, "0123abcd.not-a-secret").start().join())
                .satisfies(e -> assertThat(refusal(e).getMessage()).contains("not one this registry made"));
    }

    @Test
    void aTokenForOneServiceGetsNoCertificateForAnotherAndKeepsItsUse() throws Exception {
        final String token = token(ORDERS, Duration.ofHours(1), 1);
        final String csrForInventory =
                CertificateRequests.create(KeyPairs.newP256(), SpiffeId.ofService("mesh.local", INVENTORY));

        assertThatThrownBy(() -> admin.requestCertificate(new IdentityJson.CsrRequest(csrForInventory, token))
                        .join())
                .satisfies(e -> {
                    assertThat(refusal(e).status()).isEqualTo(403);
                    assertThat(refusal(e).getMessage())
                            .contains("is for service orders; it cannot get a " + "certificate for inventory");
                });
        // Nothing was spent on the refusal: the token still gets orders its certificate.
        assertThat(identity(ORDERS, token).start().join().keyPair()).isNotNull();
    }

    @Test
    void malformedWeakAndAmbiguousCsrsAreRefused() throws Exception {
        final String token = token(ORDERS, Duration.ofHours(1), 10);
        final String orders = "spiffe://mesh.local/svc/orders";
        final Object[][] cases = {
            {"not a csr", "expected one certificate request"},
            {TestCsrs.csr(TestCsrs.ec("secp521r1"), List.of(orders)), "521-bit curve"},
            {TestCsrs.csr(TestCsrs.rsa(1024), List.of(orders)), "RSA key has 1024 bits"},
            {TestCsrs.csr(TestCsrs.ec("secp256r1"), List.of()), "asks for 0 URIs"},
            {
                TestCsrs.csr(TestCsrs.ec("secp256r1"), List.of(orders, "spiffe://mesh.local/svc/inventory")),
                "asks for 2 URIs"
            },
            {
                TestCsrs.csr(TestCsrs.ec("secp256r1"), List.of("spiffe://other.domain/svc/orders")),
                "outside this registry's trust domain"
            },
            {
                TestCsrs.csr(TestCsrs.ec("secp256r1"), List.of("spiffe://mesh.local/registry")),
                "workloads are issued spiffe://mesh.local/svc/<service> only"
            },
        };
        for (Object[] c : cases) {
            assertThatThrownBy(() -> admin.requestCertificate(new IdentityJson.CsrRequest((String) c[0], token))
                            .join())
                    .as((String) c[1])
                    .satisfies(e -> assertThat(refusal(e).getMessage()).contains((String) c[1]));
        }
        // An RSA key of 2048 bits is fine.
        assertThat(admin.requestCertificate(
                                new IdentityJson.CsrRequest(TestCsrs.csr(TestCsrs.rsa(2048), List.of(orders)), token))
                        .join()
                        .spiffeId())
                .isEqualTo(orders);
        assertThat(admin.tokens().join())
                .singleElement()
                .satisfies(t -> assertThat(t.usesLeft()).isEqualTo(9));
    }

    @Test
    void aRenewalNeedsTheCurrentCertificateOfTheSameIdentity() {
        final WorkloadIdentity orders = started(ORDERS);
        final RegistryClient asOrders = IdentityAccess.REGISTRY_CLIENT.get(orders);

        final String renewal = CertificateRequests.create(KeyPairs.newP256(), orders.id());
        assertThat(asOrders.requestCertificate(new IdentityJson.CsrRequest(renewal, null))
                        .join()
                        .spiffeId())
                .isEqualTo(orders.id().toString());

        final String other =
                CertificateRequests.create(KeyPairs.newP256(), SpiffeId.ofService("mesh.local", INVENTORY));
        assertThatThrownBy(() -> asOrders.requestCertificate(new IdentityJson.CsrRequest(other, null))
                        .join())
                .satisfies(e -> assertThat(refusal(e).getMessage())
                        .contains("spiffe://mesh.local/svc/orders may renew only its own identity"));

        assertThatThrownBy(() -> admin.requestCertificate(new IdentityJson.CsrRequest(renewal, null))
                        .join())
                .satisfies(e -> assertThat(refusal(e).status()).isEqualTo(401));
    }

    @Test
    void aWorkloadRegistersRenewsAndRemovesOnlyInstancesOfItsOwnService() {
        final RegistryClient asOrders = IdentityAccess.REGISTRY_CLIENT.get(started(ORDERS));
        final Registration registration = Registration.builder("10.0.0.7", 8080).build();

        asOrders.register(ORDERS, InstanceId.of("orders-1"), registration).join();
        assertThat(asOrders.heartbeat(ORDERS, InstanceId.of("orders-1")).join()).isTrue();
        assertThat(asOrders.instances(ORDERS).join().instances()).hasSize(1);

        assertThatThrownBy(() -> asOrders.register(INVENTORY, InstanceId.of("inventory-1"), registration)
                        .join())
                .satisfies(e -> {
                    assertThat(refusal(e).status()).isEqualTo(403);
                    assertThat(refusal(e).getMessage())
                            .contains(
                                    "spiffe://mesh.local/svc/orders may register, renew and remove only instances of its "
                                            + "own service, not of inventory");
                });
        assertThat(admin.instances(INVENTORY).join().instances()).isEmpty();
    }

    @Test
    void readsAndWritesWithoutACertificateOrTheAdminTokenAreRefused() {
        final RegistryClient anonymous = client(null, true);

        assertThatThrownBy(() -> anonymous.services().join())
                .satisfies(e -> assertThat(refusal(e).body().error()).isEqualTo("unauthenticated"));
        assertThatThrownBy(() -> anonymous
                        .register(
                                ORDERS,
                                InstanceId.of("o"),
                                Registration.builder("10.0.0.7", 80).build())
                        .join())
                .satisfies(e -> assertThat(refusal(e).status()).isEqualTo(401));
        assertThatThrownBy(() -> anonymous
                        .createToken(new IdentityJson.TokenRequest(ORDERS, Duration.ofHours(1), 1))
                        .join())
                .satisfies(e -> assertThat(refusal(e).getMessage()).contains("needs the admin token"));
        // The trust bundle is public: a workload needs it to trust anything.
        assertThat(anonymous.trustBundle().join()).contains("BEGIN CERTIFICATE");
    }

    @Test
    void aCertificateFromAnotherCaFailsTheHandshake() {
        try (MeshRegistry other = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(otherDataDir)
                .build()
                .start()
                .join()) {
            final String token = RegistryAccess.ADMIN_CLIENT
                    .get(other)
                    .createToken(new IdentityJson.TokenRequest(ORDERS, Duration.ofHours(1), 1))
                    .join()
                    .token();
            final WorkloadIdentity foreign = WorkloadIdentity.builder(other.uri(), "orders")
                    .joinToken(token)
                    .trustBundle(other.trustBundlePem())
                    .build();
            toClose.add(foreign);
            foreign.start().join();

            assertThatThrownBy(() -> client(foreign.keyPair(), true).services().join())
                    .isInstanceOf(CompletionException.class);
            assertThat(admin.services().join()).isEmpty();
        }
    }

    @Test
    void anExpiredCertificateFailsTheHandshake() {
        final WorkloadIdentity orders = started(ORDERS);
        assertThat(client(orders.keyPair(), false).services().join()).isEmpty();

        clock.advance(Duration.ofMinutes(11));

        assertThatThrownBy(() -> client(orders.keyPair(), false).services().join())
                .isInstanceOf(CompletionException.class);
    }

    @Test
    void theCaKeepsItsFilesToItsOwner() throws Exception {
        for (String file : List.of("ca/root-1.key", "ca/root-1.crt", "ca/state.json", "admin.token")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve(file))))
                    .as(file)
                    .isEqualTo("rw-------");
        }
        final String token = token(ORDERS, Duration.ofHours(1), 1);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve("tokens.json"))))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve("ca"))))
                .isEqualTo("rwx------");
        // Only a hash of the secret is kept.
        assertThat(Files.readString(dataDir.resolve("tokens.json")))
                .doesNotContain(token.substring(token.indexOf('.') + 1));
        // The trust bundle is meant to be handed out.
        assertThat(PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(dataDir.resolve(CertificateAuthority.TRUST_BUNDLE))))
                .isEqualTo("rw-r--r--");
    }

    @Test
    void aCaRotationTrustsTheNewRootFirstSignsWithItALeafLifetimeLaterAndThenRetiresTheOld() throws Exception {
        final CertificateAuthority ca = RegistryAccess.CA.get(registry);
        final X509Certificate oldRoot = ca.trustBundle().get(0);

        final IdentityJson.RotationInfo rotation = admin.rotateCa().join();

        assertThat(ca.trustBundle()).hasSize(2);
        final X509Certificate newRoot = ca.trustBundle().get(1);
        assertThat(rotation.signsFrom()).isEqualTo(clock.instant().plus(Duration.ofMinutes(10)));
        assertThat(issuerOf(ca)).isEqualTo(oldRoot.getSubjectX500Principal());
        assertThatThrownBy(() -> admin.rotateCa().join())
                .satisfies(e -> assertThat(refusal(e).status()).isEqualTo(409));

        clock.advance(Duration.ofMinutes(10));
        assertThat(issuerOf(ca)).isEqualTo(newRoot.getSubjectX500Principal());
        assertThat(ca.trustBundle()).containsExactly(oldRoot, newRoot);

        clock.advance(Duration.ofMinutes(10));
        assertThat(ca.trustBundle()).containsExactly(newRoot);
        // The rotation is over: the next one may start.
        assertThat(admin.rotateCa().join().oldRoot()).isEqualTo("root-2");
    }

    @Test
    void anOperatorsRootIsIssuedFromInsteadOfANewOne(@TempDir Path operatorDir) throws Exception {
        final KeyPair key = TestCsrs.ec("secp256r1");
        final X509Certificate root = TestCsrs.selfSignedCa(key, "CN=Operator Root, O=Example");
        final Path certificate = Files.writeString(operatorDir.resolve("root.crt"), Pem.write(root));
        final Path keyFile = Files.writeString(operatorDir.resolve("root.key"), Pem.write(key.getPrivate()));

        try (MeshRegistry operated = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(operatorDir.resolve("data"))
                .operatorRoot(certificate, keyFile)
                .build()
                .start()
                .join()) {
            assertThat(RegistryAccess.CA.get(operated).trustBundle()).containsExactly(root);
            final X509Certificate leaf = RegistryAccess.CA
                    .get(operated)
                    .issueWorkload(KeyPairs.newP256().getPublic(), SpiffeId.ofService("mesh.local", ORDERS))
                    .get(0);
            leaf.verify(root.getPublicKey());
        }

        final Path otherKey = Files.writeString(
                operatorDir.resolve("other.key"),
                Pem.write(TestCsrs.ec("secp256r1").getPrivate()));
        assertThatThrownBy(() -> MeshRegistry.builder()
                        .host("127.0.0.1")
                        .port(0)
                        .dataDir(operatorDir.resolve("x"))
                        .operatorRoot(certificate, otherKey)
                        .build()
                        .start())
                .isInstanceOf(RegistryStartException.class)
                .hasMessageContaining("is not the key of --ca-cert");
    }

    private static X500Principal issuerOf(CertificateAuthority ca) {
        return ca.issueWorkload(KeyPairs.newP256().getPublic(), SpiffeId.ofService("mesh.local", ORDERS))
                .get(0)
                .getIssuerX500Principal();
    }
}
