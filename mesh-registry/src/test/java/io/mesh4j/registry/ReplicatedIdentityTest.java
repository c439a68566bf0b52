package io.mesh4j.registry;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
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
import io.mesh4j.core.internal.identity.Pem;
import io.mesh4j.core.internal.identity.RegistryTrust;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.RegistryException;
import io.mesh4j.registry.internal.RegistryAccess;

/**
 * Two TLS replicas over one etcd, given the same CA root (--ca-cert/--ca-key): join tokens stay single-use across
 * them, a workload that got its certificate from one is a member for the other, and a viewer token made on one opens
 * the other until it is revoked on either.
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
    Path rootDir;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private MeshRegistry a;
    private MeshRegistry b;
    private X509Certificate root;

    @BeforeEach
    void start() throws Exception {
        final KeyPair key = TestCsrs.ec("secp256r1");
        root = TestCsrs.selfSignedCa(key, "CN=Mesh Root, O=Example", "spiffe://mesh.local");
        final Path certificate = Files.writeString(rootDir.resolve("root.crt"), Pem.write(root));
        final Path keyFile = Files.writeString(rootDir.resolve("root.key"), Pem.write(key.getPrivate()));
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
        final WorkloadIdentity identity = WorkloadIdentity.builder(via.uri(), ORDERS.value())
                .joinToken(token)
                .trustBundle(via.trustBundlePem())
                .build();
        toClose.add(identity);
        return identity;
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
}
