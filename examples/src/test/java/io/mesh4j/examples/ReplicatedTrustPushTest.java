package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.client.MeshClient;
import io.mesh4j.client.policy.ClientPolicy;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.identity.CertificateRequests;
import io.mesh4j.core.internal.identity.IdentityAccess;
import io.mesh4j.core.internal.identity.KeyPairs;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.TrustJson;
import io.mesh4j.examples.services.Workloads;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.server.MeshServer;

/**
 * A revocation made through one registry replica, end to end on the members of the other: two TLS replicas over a
 * real 3-member etcd with one root, an orders server and a frontend client that both joined and watch replica B, and
 * a revocation of orders made through replica A. B's frontend closes its open connection to orders and refuses a new
 * one in the handshake, saying which revocation refuses it, and orders cannot renew through B.
 */
class ReplicatedTrustPushTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");
    /** How soon a revocation through A must reach B's members: one etcd watch event, then one trust watch. */
    private static final Duration WITHIN_SECONDS = Duration.ofSeconds(5);

    @RegisterExtension
    static final EtcdCluster etcd = new EtcdCluster();

    @TempDir
    Path dirA;

    @TempDir
    Path dirB;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private MeshRegistry a;
    private MeshRegistry b;

    @BeforeEach
    void start() {
        // A makes the mesh's root; B is given it, as the README's replicated registry is.
        a = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dirA)
                .etcd(etcd.endpoints())
                .build()
                .start()
                .join();
        b = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dirB)
                .operatorRoot(dirA.resolve("ca/root-1.crt"), dirA.resolve("ca/root-1.key"))
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

    /** A workload of {@code service} that joined through B, and watches B's trust state. */
    private WorkloadIdentity memberOfB(String service) {
        final WorkloadIdentity identity =
                Workloads.identity(b.uri(), RegistryAccess.ADMIN_CLIENT.get(b), b.trustBundlePem(), service);
        toClose.add(identity);
        return identity.start().join();
    }

    private WebClient ordersClient(WorkloadIdentity identity) {
        final MeshClient client = MeshClient.builder(b.uri())
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

    private static String causes(Throwable thrown) {
        final StringBuilder all = new StringBuilder();
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            all.append(t).append('\n');
        }
        return all.toString();
    }

    @Test
    void aServerRevokedThroughReplicaAIsRefusedByTheMembersOfReplicaB() {
        final WorkloadIdentity orders = memberOfB("orders");
        final MeshServer server = MeshServer.builder("orders", b.uri())
                .identity(orders)
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .service("/ok", (ctx, req) -> HttpResponse.of("ok"))
                .service("/hold", (ctx, req) -> HttpResponse.of(new CompletableFuture<HttpResponse>()))
                .armeria(sb -> sb.requestTimeout(Duration.ZERO))
                .build();
        server.start().join();
        toClose.add(server);
        final WebClient client = ordersClient(memberOfB("frontend"));
        assertThat(client.get("/ok").aggregate().join().contentUtf8()).isEqualTo("ok");
        final CompletableFuture<AggregatedHttpResponse> held =
                client.get("/hold").aggregate();

        final RegistryClient adminA = RegistryAccess.ADMIN_CLIENT.get(a);
        adminA.revoke(new TrustJson.RevokeRequest("spiffe://mesh.local/svc/orders", null))
                .join();

        // B's frontend hears it from B, and closes its open connection to orders.
        await().atMost(WITHIN_SECONDS).until(held::isDone);
        assertThat(held).isCompletedExceptionally();
        // A new connection fails the handshake, with the revocation as the reason (a client of its own, whose
        // breaker has not opened on the refused retries of the held call).
        final WebClient newClient = ordersClient(memberOfB("frontend"));
        assertThatThrownBy(() -> newClient.get("/ok").aggregate().join())
                .satisfies(e -> assertThat(causes(e))
                        .contains("every certificate of spiffe://mesh.local/svc/orders issued up to"));
        // And B, whose members orders renews through, does not renew its certificate.
        assertThatThrownBy(() -> IdentityAccess.REGISTRY_CLIENT
                        .get(orders)
                        .requestCertificate(new IdentityJson.CsrRequest(
                                CertificateRequests.create(KeyPairs.newP256(), orders.id()), null))
                        .join())
                .satisfies(e -> assertThat(causes(e))
                        .contains("every certificate of spiffe://mesh.local/svc/orders issued up to")
                        .contains("cannot be renewed"));
        assertThat(orders.registryUri()).isEqualTo(b.uri());
    }
}
