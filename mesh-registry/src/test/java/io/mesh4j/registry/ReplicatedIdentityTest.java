package io.mesh4j.registry;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.ClientTlsConfig;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.identity.CertificateRequests;
import io.mesh4j.core.internal.identity.KeyPairs;
import io.mesh4j.core.internal.identity.Pem;
import io.mesh4j.core.internal.identity.RegistryTrust;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.RegistryException;
import io.mesh4j.core.internal.registry.TrustJson;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.registry.internal.ca.Fingerprints;

/**
 * Two TLS replicas over one etcd, given the same CA root (--ca-cert/--ca-key): join tokens stay single-use across
 * them, a workload that got its certificate from one is a member for the other, a viewer token made on one opens
 * the other until it is revoked on either, a certificate revoked through one is refused by the other (renewal and
 * trust state alike), and a replica given another root than the mesh's does not start.
 *
 * <p>The root is the same for every test: it is the mesh's, published in etcd by the first replica that started.
 */
class ReplicatedIdentityTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");

    @RegisterExtension
    static final EtcdCluster etcd = new EtcdCluster();

    @TempDir
    Path dirA;

    @TempDir
    Path dirB;

    @TempDir
    static Path rootDir;

    private static X509Certificate root;
    private static Path certificate;
    private static Path keyFile;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private MeshRegistry a;
    private MeshRegistry b;

    @BeforeAll
    static void makeRoot() throws Exception {
        final KeyPair key = TestCsrs.ec("secp256r1");
        root = TestCsrs.selfSignedCa(key, "CN=Mesh Root, O=Example", "spiffe://mesh.local");
        certificate = Files.writeString(rootDir.resolve("root.crt"), Pem.write(root));
        keyFile = Files.writeString(rootDir.resolve("root.key"), Pem.write(key.getPrivate()));
    }

    @BeforeEach
    void start() {
        a = replica(dirA, certificate, keyFile);
        b = replica(dirB, certificate, keyFile);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : toClose) {
            closeable.close();
        }
        a.close();
        b.close();
    }

    private static MeshRegistry replica(Path dataDir, Path certificate, Path key) {
        return MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .operatorRoot(certificate, key)
                .etcd(etcd.endpoints())
                .build()
                .start()
                .join();
    }

    private WorkloadIdentity identity(MeshRegistry via, String token) {
        return identity(via, ORDERS, token);
    }

    private WorkloadIdentity identity(MeshRegistry via, ServiceName service, String token) {
        final WorkloadIdentity identity = WorkloadIdentity.builder(via.uri(), service.value())
                .joinToken(token)
                .trustBundle(via.trustBundlePem())
                .build();
        toClose.add(identity);
        return identity;
    }

    /** A workload of {@code service} certified by {@code via}, with a join token made there. */
    private WorkloadIdentity certifiedBy(MeshRegistry via, ServiceName service) {
        final String token = RegistryAccess.ADMIN_CLIENT
                .get(via)
                .createToken(new IdentityJson.TokenRequest(service, Duration.ofHours(1), 1))
                .join()
                .token();
        return identity(via, service, token).start().join();
    }

    /** A renewal of {@code identity}'s certificate asked of {@code via}, with that certificate over mTLS. */
    private CompletableFuture<IdentityJson.CsrAnswer> renew(MeshRegistry via, WorkloadIdentity identity) {
        return RegistryClient.of(via.uri(), mtls(identity))
                .requestCertificate(new IdentityJson.CsrRequest(
                        CertificateRequests.create(KeyPairs.newP256(), identity.id()), null));
    }

    private static RegistryException refusal(Throwable thrown) {
        Throwable cause = thrown;
        while (!(cause instanceof RegistryException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        assertThat(cause).isInstanceOf(RegistryException.class);
        return (RegistryException) cause;
    }

    /** Why {@code member}'s trust refuses {@code peer}'s certificate as a server's; null while it trusts it. */
    private static @Nullable String refusedBy(WorkloadIdentity member, WorkloadIdentity peer) {
        final X509Certificate[] chain =
                requireNonNull(peer.keyPair()).certificateChain().toArray(X509Certificate[]::new);
        try {
            member.trustManager(id -> true, "any workload").checkServerTrusted(chain, "ECDHE_ECDSA");
            return null;
        } catch (CertificateException e) {
            return String.valueOf(e.getMessage());
        }
    }

    /** A client factory that presents the workload's certificate and verifies a registry of the mesh. */
    private ClientFactory mtls(WorkloadIdentity identity) {
        final ClientFactory factory = ClientFactory.builder()
                .tlsProvider(
                        identity.tlsProvider(),
                        ClientTlsConfig.builder()
                                .tlsCustomizer(tls ->
                                        tls.trustManager(identity.trustManager(SpiffeId::isRegistry, "the registry")))
                                .build())
                .build();
        toClose.add(factory);
        return factory;
    }

    @Test
    void aJoinTokenUsedOnOneReplicaIsRefusedOnTheOther() {
        assertThat(a.trustBundlePem()).isEqualTo(b.trustBundlePem());
        final RegistryClient adminA = RegistryAccess.ADMIN_CLIENT.get(a);
        final String token = adminA.createToken(new IdentityJson.TokenRequest(ORDERS, Duration.ofHours(1), 1))
                .join()
                .token();

        // Made on A, redeemed on B: the token lives in etcd.
        final WorkloadIdentity onB = identity(b, token).start().join();
        final X509Certificate leaf =
                requireNonNull(onB.keyPair()).certificateChain().get(0);
        assertThat(leaf.getIssuerX500Principal()).isEqualTo(root.getSubjectX500Principal());

        // Its one use is spent for every replica.
        assertThatThrownBy(() -> identity(a, token).start().join()).satisfies(e -> {
            Throwable cause = e;
            while (!(cause instanceof RegistryException) && cause.getCause() != null) {
                cause = cause.getCause();
            }
            assertThat(cause).isInstanceOf(RegistryException.class);
            assertThat(((RegistryException) cause).body().error()).isEqualTo("invalid_token");
            assertThat(((RegistryException) cause).body().message()).contains("used up");
        });
        assertThat(RegistryAccess.ADMIN_CLIENT.get(b).tokens().join())
                .anySatisfy(listed -> assertThat(listed.usesLeft()).isZero());
    }

    @Test
    void aWorkloadWithACertificateFromOneReplicaIsAMemberForTheOther() {
        final String token = RegistryAccess.ADMIN_CLIENT
                .get(a)
                .createToken(new IdentityJson.TokenRequest(ORDERS, Duration.ofHours(1), 1))
                .join()
                .token();
        final WorkloadIdentity identity = identity(a, token).start().join();

        // Over mTLS to B, with A's certificate: B verifies it against the same root, and takes the registration.
        final RegistryClient toB = RegistryClient.of(b.uri(), mtls(identity));
        final long index = toB.register(
                        ORDERS,
                        InstanceId.of("o-1"),
                        Registration.builder("10.0.0.1", 8080).build())
                .join();
        assertThat(index).isPositive();
        assertThat(RegistryClient.of(a.uri(), mtls(identity))
                        .instances(ORDERS)
                        .join()
                        .instances())
                .hasSize(1);
    }

    @Test
    void aViewerTokenMadeOnOneReplicaOpensTheOtherUntilRevokedThere() {
        final IdentityJson.ViewerTokenInfo made = RegistryAccess.ADMIN_CLIENT
                .get(a)
                .createViewerToken(new IdentityJson.ViewerTokenRequest("ops", Duration.ofHours(1)))
                .join();
        try (RegistryTrust.AdminClient viewerOnB =
                RegistryTrust.admin(b.uri(), requireNonNull(made.token(), "token"), b.trustBundlePem())) {
            assertThat(viewerOnB.client().getJson("/v1/stats/edges").join()).isNotEmpty();
            assertThat(RegistryAccess.ADMIN_CLIENT.get(b).viewerTokens().join())
                    .extracting(IdentityJson.ViewerTokenInfo::name)
                    .containsExactly("ops");
            RegistryAccess.ADMIN_CLIENT.get(b).revokeViewerToken(made.id()).join();
        }
        try (RegistryTrust.AdminClient viewerOnA =
                RegistryTrust.admin(a.uri(), requireNonNull(made.token(), "token"), a.trustBundlePem())) {
            assertThatThrownBy(
                            () -> viewerOnA.client().getJson("/v1/stats/edges").join())
                    .hasCauseInstanceOf(RegistryException.class)
                    .hasMessageContaining("(ops) was revoked");
        }
    }

    @Test
    void aCertificateRevokedThroughOneReplicaIsRefusedByTheOtherAndItsMembers() throws Exception {
        final ServiceName payments = ServiceName.of("payments");
        final RegistryClient adminA = RegistryAccess.ADMIN_CLIENT.get(a);
        final RegistryClient adminB = RegistryAccess.ADMIN_CLIENT.get(b);
        // Certified by B, and a member of B that watches B's trust state.
        final WorkloadIdentity revoked = certifiedBy(b, payments);
        final WorkloadIdentity memberOfB = certifiedBy(b, ServiceName.of("checkout"));
        assertThat(refusedBy(memberOfB, revoked)).isNull();
        final String serial = requireNonNull(revoked.keyPair())
                .certificateChain()
                .get(0)
                .getSerialNumber()
                .toString(16);
        final TrustJson.TrustSnapshot before = adminB.trust().join();
        final CompletableFuture<TrustJson.TrustSnapshot> watchOnB =
                adminB.watchTrust(before.index(), Duration.ofSeconds(30));

        // Revoked by serial through A, which never saw the certificate: B recorded it in etcd when it issued it.
        final TrustJson.Revocation revocation =
                adminA.revoke(new TrustJson.RevokeRequest(null, serial)).join();

        // B's trust watch wakes with it, at the index A serves it at: one document, one index, every replica.
        final TrustJson.TrustSnapshot heard = watchOnB.get(5, TimeUnit.SECONDS);
        assertThat(heard.revocations()).contains(revocation);
        assertThat(heard.index()).isEqualTo(adminA.trust().join().index());
        // B's member refuses the certificate, saying why.
        await().atMost(Duration.ofSeconds(5)).until(() -> refusedBy(memberOfB, revoked) != null);
        assertThat(refusedBy(memberOfB, revoked)).contains("serial " + serial);
        // B refuses to renew it, with the reason and the way back.
        assertThatThrownBy(() -> renew(b, revoked).join()).satisfies(e -> {
            assertThat(refusal(e).status()).isEqualTo(403);
            assertThat(refusal(e).body().error()).isEqualTo("revoked");
            assertThat(refusal(e).getMessage())
                    .contains("serial " + serial)
                    .contains("cannot be renewed")
                    .contains("meshctl token create --service payments");
        });
        // Revoking it again through B answers the revocation in force, and writes nothing.
        final long index = adminB.trust().join().index();
        assertThat(adminB.revoke(new TrustJson.RevokeRequest(null, serial)).join())
                .isEqualTo(revocation);
        assertThat(adminB.revocations().join()).containsOnlyOnce(revocation);
        assertThat(adminB.trust().join().index()).isEqualTo(index);
        // The other member, unrevoked, still renews through A.
        assertThat(renew(a, memberOfB).join().spiffeId()).isEqualTo("spiffe://mesh.local/svc/checkout");
    }

    @Test
    void anIdentityCertifiedByOneReplicaIsRevokedThroughTheOtherAndBadRevocationsWriteNothing() {
        final ServiceName billing = ServiceName.of("billing");
        final RegistryClient adminA = RegistryAccess.ADMIN_CLIENT.get(a);
        final RegistryClient adminB = RegistryAccess.ADMIN_CLIENT.get(b);
        final WorkloadIdentity certified = certifiedBy(a, billing);
        final long index = adminB.trust().join().index();

        // Nothing of an identity that no replica certified, nor of a serial none issued: 404, nothing written.
        assertThatThrownBy(() -> adminB.revoke(new TrustJson.RevokeRequest("spiffe://mesh.local/svc/nobody", null))
                        .join())
                .satisfies(e -> {
                    assertThat(refusal(e).status()).isEqualTo(404);
                    assertThat(refusal(e).getMessage())
                            .contains("no certificate of spiffe://mesh.local/svc/nobody is in force");
                });
        assertThatThrownBy(() -> adminB.revoke(new TrustJson.RevokeRequest(null, "abc123"))
                        .join())
                .satisfies(e -> assertThat(refusal(e).status()).isEqualTo(404));
        assertThatThrownBy(() -> adminB.revoke(new TrustJson.RevokeRequest(null, "not-hex"))
                        .join())
                .satisfies(e -> assertThat(refusal(e).status()).isEqualTo(400));
        assertThat(adminA.trust().join().index()).isEqualTo(index);

        final TrustJson.Revocation revocation = adminB.revoke(
                        new TrustJson.RevokeRequest("spiffe://mesh.local/svc/billing", null))
                .join();

        await().atMost(Duration.ofSeconds(5))
                .until(() -> adminA.revocations().join().contains(revocation));
        assertThatThrownBy(() -> renew(a, certified).join())
                .satisfies(e -> assertThat(refusal(e).getMessage())
                        .contains("every certificate of spiffe://mesh.local/svc/billing issued up to")
                        .contains("cannot be renewed"));
    }

    @Test
    void revocationsMadeAtOnceThroughBothReplicasAreBothKept() throws Exception {
        final RegistryClient adminA = RegistryAccess.ADMIN_CLIENT.get(a);
        final RegistryClient adminB = RegistryAccess.ADMIN_CLIENT.get(b);
        final WorkloadIdentity first = certifiedBy(a, ServiceName.of("ledger"));
        final WorkloadIdentity second = certifiedBy(b, ServiceName.of("ledger"));

        // Two transactions on the same trust document's revision: one wins, the other reads the winner's document
        // and makes its change again on top of it, rather than undoing it.
        final CompletableFuture<TrustJson.Revocation> throughA =
                adminA.revoke(new TrustJson.RevokeRequest(null, serialOf(first)));
        final CompletableFuture<TrustJson.Revocation> throughB =
                adminB.revoke(new TrustJson.RevokeRequest(null, serialOf(second)));

        final List<TrustJson.Revocation> both =
                List.of(throughA.get(10, TimeUnit.SECONDS), throughB.get(10, TimeUnit.SECONDS));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(adminA.revocations().join()).containsAll(both);
            assertThat(adminB.revocations().join()).containsAll(both);
        });
    }

    private static String serialOf(WorkloadIdentity identity) {
        return requireNonNull(identity.keyPair())
                .certificateChain()
                .get(0)
                .getSerialNumber()
                .toString(16);
    }

    @Test
    void aReplicaGivenAnotherRootThanTheMeshsDoesNotStart(@TempDir Path dirC, @TempDir Path otherDir) throws Exception {
        final KeyPair otherKey = TestCsrs.ec("secp256r1");
        final X509Certificate other =
                TestCsrs.selfSignedCa(otherKey, "CN=Other Root, O=Example", "spiffe://mesh.local");
        final Path otherCertificate = Files.writeString(otherDir.resolve("root.crt"), Pem.write(other));
        final Path otherKeyFile = Files.writeString(otherDir.resolve("root.key"), Pem.write(otherKey.getPrivate()));

        assertThatThrownBy(() -> replica(dirC, otherCertificate, otherKeyFile))
                .isInstanceOf(RegistryStartException.class)
                .hasMessageContaining("this replica's CA roots [O=Example,CN=Other Root")
                .hasMessageContaining("are not the mesh's [O=Example,CN=Mesh Root")
                .hasMessageContaining(Fingerprints.sha256(root))
                .hasMessageContaining("start every replica with the same --ca-cert and --ca-key");
        // The mesh's trust is untouched: the replicas still serve the one root.
        assertThat(Pem.readCertificates(
                        RegistryAccess.ADMIN_CLIENT.get(a).trust().join().trustBundle()))
                .containsExactly(root);
    }

    @Test
    void aCaRotationOfReplicasNeedsARootInstalledOnEveryReplica(@TempDir Path rootDir) throws Exception {
        final RegistryClient adminA = RegistryAccess.ADMIN_CLIENT.get(a);
        final long index = adminA.trust().join().index();

        // Without the new root: a replica makes none of its own, since only it would hold the key.
        assertThatThrownBy(() -> adminA.rotateCa().join()).satisfies(e -> {
            assertThat(refusal(e).status()).isEqualTo(400);
            assertThat(refusal(e).getMessage()).contains("meshctl ca rotate --cert");
        });
        // A root of another trust domain, or that is no CA, is a 400; one nobody installed, a 409 naming both.
        final KeyPair otherKey = TestCsrs.ec("secp256r1");
        final String otherDomain =
                Pem.write(TestCsrs.selfSignedCa(otherKey, "CN=Other Root, O=Example", "spiffe://other.local"));
        assertThatThrownBy(() -> adminA.rotateCa(otherDomain).join()).satisfies(e -> {
            assertThat(refusal(e).status()).isEqualTo(400);
            assertThat(refusal(e).getMessage()).contains("trust domain other.local, not of mesh.local");
        });
        final String uninstalled =
                Pem.write(TestCsrs.selfSignedCa(otherKey, "CN=New Root, O=Example", "spiffe://mesh.local"));
        assertThatThrownBy(() -> adminA.planCaRotation(uninstalled).join()).satisfies(e -> {
            assertThat(refusal(e).status()).isEqualTo(409);
            assertThat(refusal(e).getMessage())
                    .contains("127.0.0.1:" + a.uri().getPort())
                    .contains("127.0.0.1:" + b.uri().getPort())
                    .contains("nothing was rotated");
        });
        // The mesh's own root is no new one.
        assertThatThrownBy(() -> adminA.rotateCa(Pem.write(root)).join()).satisfies(e -> {
            assertThat(refusal(e).status()).isEqualTo(409);
            assertThat(refusal(e).getMessage()).contains("is a root of the mesh already");
        });
        assertThat(adminA.trust().join().index()).isEqualTo(index);
        assertThat(dirA.resolve("ca/root-2.key")).doesNotExist();
    }

    @Test
    void revocationsARegistryKeptBeforeItJoinedTheReplicasAreCarriedIntoEtcd(@TempDir Path dirC) {
        // A registry of its own, with the mesh's root, revokes one of its workloads.
        final MeshRegistry alone = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dirC)
                .operatorRoot(certificate, keyFile)
                .build()
                .start()
                .join();
        final TrustJson.Revocation revocation;
        try {
            certifiedBy(alone, ServiceName.of("audit"));
            revocation = RegistryAccess.ADMIN_CLIENT
                    .get(alone)
                    .revoke(new TrustJson.RevokeRequest("spiffe://mesh.local/svc/audit", null))
                    .join();
        } finally {
            alone.close();
        }

        // Started again as a replica over etcd: the revocation is not dropped, every replica has it.
        final MeshRegistry c = replica(dirC, certificate, keyFile);
        try {
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> RegistryAccess.ADMIN_CLIENT
                            .get(a)
                            .revocations()
                            .join()
                            .contains(revocation));
            assertThat(RegistryAccess.ADMIN_CLIENT.get(c).revocations().join()).containsOnlyOnce(revocation);
        } finally {
            c.close();
        }
    }
}
