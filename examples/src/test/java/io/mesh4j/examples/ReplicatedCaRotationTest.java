package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.identity.Pem;
import io.mesh4j.core.internal.identity.RegistryTrust;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.RegistryException;
import io.mesh4j.core.internal.registry.TrustJson;
import io.mesh4j.examples.services.Workloads;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.registry.internal.cli.MeshCtl;
import io.mesh4j.server.MeshServer;
import picocli.CommandLine;

/**
 * A CA rotation of two registry replicas over a real 3-member etcd, with traffic between a member of each: the
 * operator's new root, installed on one replica only, is refused (409, naming the other); installed on both, a
 * rotation through one replica reaches the members of both at the same index, both replicas issue from the new root
 * one leaf lifetime later, the old root retires from both and its key leaves both data directories, and no call
 * between the two workloads fails throughout.
 */
class ReplicatedCaRotationTest {

    private static final Duration LEAF_LIFETIME = Duration.ofSeconds(10);
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
    private final List<WorkloadIdentity> identities = new ArrayList<>();
    private MeshRegistry a;
    private MeshRegistry b;

    @BeforeEach
    void start() {
        a = replica(MeshRegistry.builder().dataDir(dirA));
        b = replica(MeshRegistry.builder()
                .dataDir(dirB)
                .operatorRoot(dirA.resolve("ca/root-1.crt"), dirA.resolve("ca/root-1.key")));
    }

    private MeshRegistry replica(MeshRegistry.Builder builder) {
        return builder.host("127.0.0.1")
                .port(0)
                .leafLifetime(LEAF_LIFETIME)
                .etcd(etcd.endpoints())
                .build()
                .start()
                .join();
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        if (b != null) {
            b.close();
        }
        if (a != null) {
            a.close();
        }
    }

    private WorkloadIdentity memberOf(MeshRegistry registry, String service) {
        final WorkloadIdentity identity = Workloads.identity(
                registry.uri(), RegistryAccess.ADMIN_CLIENT.get(registry), registry.trustBundlePem(), service);
        toClose.add(identity);
        identities.add(identity);
        return identity.start().join();
    }

    @Test
    void aRotationThroughOneReplicaReachesBothAndNoCallFails(@TempDir Path dirC) throws Exception {
        // orders is certified by and registered with A; frontend is certified by B and finds orders through B.
        final MeshServer server = MeshServer.builder("orders", a.uri())
                .identity(memberOf(a, "orders"))
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .service("/ok", (ctx, req) -> HttpResponse.of("ok"))
                .build();
        server.start().join();
        toClose.add(server);
        final MeshClient frontend =
                MeshClient.builder(b.uri()).identity(memberOf(b, "frontend")).build();
        toClose.add(frontend);
        frontend.webClient(ORDERS);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !frontend.endpoints(ORDERS).isEmpty());
        final WebClient orders = frontend.webClient(ORDERS);
        final SteadyLoad load = SteadyLoad.start(orders, "/ok", 4);
        await().atMost(Duration.ofSeconds(10)).until(() -> load.ok() > 100);

        final RegistryClient adminA = RegistryAccess.ADMIN_CLIENT.get(a);
        final RegistryClient adminB = RegistryAccess.ADMIN_CLIENT.get(b);
        // The operator's steps, as meshctl runs them: the new root made off the registry, then installed.
        assertThat(meshctl(
                        "ca",
                        "new-root",
                        "--trust-domain",
                        "mesh.local",
                        "--out",
                        rootDir.toString(),
                        "--name",
                        "root-2"))
                .isZero();
        final String root2Pem = Files.readString(rootDir.resolve("root-2.crt"), StandardCharsets.US_ASCII);
        final X509Certificate root2 = Pem.readCertificates(root2Pem).get(0);
        final long before = adminA.trust().join().index();
        // The old root as the operator kept it, for a replica started later from it (below).
        Files.copy(dirA.resolve("ca/root-1.crt"), rootDir.resolve("root-1.crt"));
        Files.copy(dirA.resolve("ca/root-1.key"), rootDir.resolve("root-1.key"));

        // Installed on A only: refused through either replica, dry run or not, naming B; nothing changes.
        assertThat(install(dirA)).isZero();
        final String nameOfB = "127.0.0.1:" + b.uri().getPort();
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThatThrownBy(
                                () -> adminA.rotateCa(root2Pem).join())
                        .satisfies(e -> {
                            assertThat(refusal(e).status()).isEqualTo(409);
                            assertThat(refusal(e).getMessage())
                                    .contains("replica(s) " + nameOfB + " of 2 hold no key for")
                                    .contains("meshctl ca install")
                                    .contains("nothing was rotated");
                        }));
        assertThatThrownBy(() -> adminB.planCaRotation(root2Pem).join())
                .satisfies(e -> assertThat(refusal(e).status()).isEqualTo(409));
        assertThat(adminA.trust().join().index()).isEqualTo(before);

        // Installed on B too: B finds it within a second, and the dry run through A says what would happen.
        assertThat(install(dirB)).isZero();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> adminA.planCaRotation(root2Pem)
                        .handle((ok, e) -> e == null)
                        .join());
        assertThat(adminA.planCaRotation(root2Pem).join().newRoot()).isEqualTo("root-2");
        assertThat(meshctl(
                        "ca",
                        "rotate",
                        "--registry",
                        a.uri().toString(),
                        "--data-dir",
                        dirA.toString(),
                        "--cert",
                        rootDir.resolve("root-2.crt").toString(),
                        "--dry-run"))
                .isZero();
        assertThat(adminA.trust().join().index()).isEqualTo(before);

        // The rotation, through B.
        final var rotation = adminB.rotateCa(root2Pem).join();
        assertThat(rotation.newRoot()).isEqualTo("root-2");
        assertThat(rotation.oldRoot()).isEqualTo("root-1");
        // A replica started now from the old root, never given the new key, starts (root-1 still signs).
        final Path dirD = rootDir.resolve("replica-d");
        final MeshRegistry d = replica(MeshRegistry.builder()
                .dataDir(dirD)
                .operatorRoot(rootDir.resolve("root-1.crt"), rootDir.resolve("root-1.key")));
        toClose.add(d);

        // Both replicas serve the two-root bundle at the same index, and every member holds it.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            final TrustJson.TrustSnapshot throughA = adminA.trust().join();
            final TrustJson.TrustSnapshot throughB = adminB.trust().join();
            assertThat(Pem.readCertificates(throughA.trustBundle())).hasSize(2).contains(root2);
            assertThat(throughA.index()).isEqualTo(throughB.index());
            assertThat(throughA.trustBundle()).isEqualTo(throughB.trustBundle());
            assertThat(identities)
                    .allSatisfy(identity -> assertThat(identity.trustBundle()).contains(root2));
        });

        aReplicaWithoutTheSigningKeyIsNotReady(d, dirD);

        // One leaf lifetime later both replicas issue from root-2 (orders renews through A, frontend through B);
        // one more and root-1 has left every member's bundle.
        await().atMost(LEAF_LIFETIME.multipliedBy(4))
                .until(() -> identities.stream().allMatch(identity -> onlyOn(identity, root2)));
        final long okAfterRotation = load.ok();
        await().atMost(Duration.ofSeconds(10)).until(() -> load.ok() > okAfterRotation + 100);
        load.stop();
        assertThat(load.failures()).as("calls that failed while the CA rotated").isEmpty();

        // The old key is gone from both data directories, the new one is each replica's own.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            for (Path dir : List.of(dirA, dirB)) {
                assertThat(dir.resolve("ca/root-1.key")).doesNotExist();
                assertThat(dir.resolve("ca/root-2.key")).exists();
                assertThat(dir.resolve("ca/installed")).isEmptyDirectory();
            }
        });
        // An operator's client made now, with trust-bundle.pem as each replica rewrote it, verifies either replica
        // (the admin clients above trust root-1 only, and no longer verify a replica now serving with root-2).
        for (MeshRegistry replica : List.of(a, b)) {
            try (RegistryTrust.AdminClient admin = RegistryTrust.admin(replica.uri(), replica.dataDir())) {
                assertThat(Pem.readCertificates(admin.client().trust().join().trustBundle()))
                        .containsExactly(root2);
            }
        }
        aLateReplicaNeedsTheSigningRoot(dirC);
    }

    /**
     * Once root-2 signs, replica D, which holds no key for it, refuses certificates: it says so on {@code /readyz}
     * (503 naming the root; {@code /healthz} stays 200) and to {@code meshctl check}, until the key is installed.
     * Checked before root-1 retires, while D's own TLS certificate (from root-1) is still good.
     */
    private void aReplicaWithoutTheSigningKeyIsNotReady(MeshRegistry d, Path dirD) throws Exception {
        try (RegistryTrust.AdminClient admin = RegistryTrust.admin(d.uri(), dirD)) {
            final RegistryClient client = admin.client();
            assertThat(client.getAnswer("/readyz").join().status().code()).isEqualTo(200);
            await().atMost(LEAF_LIFETIME.plusSeconds(5))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> client.getAnswer("/readyz").join().status().code() == 503);
            assertThat(client.getAnswer("/readyz").join().contentUtf8())
                    .contains("not ready: it cannot issue or renew certificates")
                    .contains("holds no key for")
                    .contains("meshctl ca install");
            assertThat(client.getAnswer("/healthz").join().status().code()).isEqualTo(200);
            final StringWriter out = new StringWriter();
            final CommandLine check = MeshCtl.commandLine(Map.of());
            check.setOut(new PrintWriter(out, true));
            check.setErr(new PrintWriter(out, true));
            assertThat(check.execute("check", "--registry", d.uri().toString(), "--data-dir", dirD.toString()))
                    .as(out.toString())
                    .isEqualTo(1);
            assertThat(out.toString()).contains("PROBLEM  [replica-ready] the registry at " + d.uri());
            // Given the key, it is ready again within its trust tick.
            assertThat(install(dirD)).isZero();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> client.getAnswer("/readyz").join().status().code() == 200);
        } finally {
            d.close(); // it has done its part: the rest of the test is A's and B's
        }
    }

    /**
     * A replica started after the rotation from the old root, without the key of the root that signs now, refuses to
     * start and says which root to install; once it is installed, the replica starts and takes it as its own.
     */
    private void aLateReplicaNeedsTheSigningRoot(Path dirC) throws Exception {
        final MeshRegistry.Builder late = MeshRegistry.builder()
                .dataDir(dirC)
                .operatorRoot(rootDir.resolve("root-1.crt"), rootDir.resolve("root-1.key"));
        assertThatThrownBy(() -> replica(late))
                .hasMessageContaining("install the root that signs now, root-2")
                .hasMessageContaining("meshctl ca install");
        assertThat(install(dirC)).isZero();
        final MeshRegistry c = replica(MeshRegistry.builder()
                .dataDir(dirC)
                .operatorRoot(rootDir.resolve("root-1.crt"), rootDir.resolve("root-1.key")));
        try {
            assertThat(Pem.readCertificates(c.trustBundlePem())).contains(root2OfTheMesh());
            assertThat(dirC.resolve("ca/root-2.key")).exists();
        } finally {
            c.close();
        }
    }

    private X509Certificate root2OfTheMesh() throws Exception {
        return Pem.readCertificates(Files.readString(rootDir.resolve("root-2.crt"), StandardCharsets.US_ASCII))
                .get(0);
    }

    private int install(Path dataDir) {
        return meshctl(
                "ca",
                "install",
                "--data-dir",
                dataDir.toString(),
                "--cert",
                rootDir.resolve("root-2.crt").toString(),
                "--key",
                rootDir.resolve("root-2.key").toString());
    }

    private static int meshctl(String... args) {
        return MeshCtl.commandLine(Map.of()).execute(args);
    }

    private static boolean onlyOn(WorkloadIdentity identity, X509Certificate root) {
        final List<X509Certificate> bundle = identity.trustBundle();
        final X509Certificate leaf = identity.keyPair().certificateChain().get(0);
        return bundle.equals(List.of(root)) && leaf.getIssuerX500Principal().equals(root.getSubjectX500Principal());
    }

    private static RegistryException refusal(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (t instanceof RegistryException e) {
                return e;
            }
        }
        throw new AssertionError("not refused by the registry", thrown);
    }
}
