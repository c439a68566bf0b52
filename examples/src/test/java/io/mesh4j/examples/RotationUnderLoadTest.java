package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.client.WebClient;

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.examples.services.Inventory;
import io.mesh4j.examples.services.Orders;
import io.mesh4j.examples.services.Workloads;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.server.MeshServer;
import io.mesh4j.server.MeshServerBuilder;

/**
 * Certificates and the CA itself rotate while traffic flows, in real time, and no call fails: renewals reach live
 * listeners and connection pools, and a CA rotation never leaves a workload unable to verify a peer.
 */
class RotationUnderLoadTest {

    private static final Logger logger = LoggerFactory.getLogger(RotationUnderLoadTest.class);

    @TempDir
    Path dataDir;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<WorkloadIdentity> identities = new ArrayList<>();
    private final AtomicInteger renewals = new AtomicInteger();
    private MeshRegistry registry;

    @AfterEach
    void stop() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    /** inventory, two orders instances, and a caller; returns the caller's client of orders. */
    private WebClient meshWithLeafLifetime(Duration leafLifetime) {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .leafLifetime(leafLifetime)
                .build()
                .start()
                .join();
        final WorkloadIdentity inventory = identity("inventory");
        start(Inventory.server(registry.uri(), "inventory-1").identity(inventory));
        for (String id : List.of("orders-1", "orders-2")) {
            final WorkloadIdentity orders = identity("orders");
            start(Orders.server(registry.uri(), client(orders), id, Duration.ZERO)
                    .identity(orders));
        }
        final MeshClient caller = client(identity("frontend"));
        caller.webClient(ServiceName.of("orders")); // the watch of a service starts with its first client
        await().atMost(Duration.ofSeconds(10))
                .until(() -> caller.endpoints(ServiceName.of("orders")).size() == 2);
        return caller.webClient("orders");
    }

    private WorkloadIdentity identity(String service) {
        final WorkloadIdentity identity = Workloads.identity(
                registry.uri(), RegistryAccess.ADMIN_CLIENT.get(registry), registry.trustBundlePem(), service);
        identity.onRenewal(renewals::incrementAndGet);
        toClose.add(identity);
        identities.add(identity);
        return identity.start().join();
    }

    private MeshClient client(WorkloadIdentity identity) {
        final MeshClient client =
                MeshClient.builder(registry.uri()).identity(identity).build();
        toClose.add(client);
        return client;
    }

    private void start(MeshServerBuilder builder) {
        final MeshServer server =
                builder.advertisedHost("127.0.0.1").drainPeriod(Duration.ZERO).build();
        server.start().join();
        toClose.add(server);
    }

    /**
     * Rounds of renewals the first test waits for: three (30 s) in {@code bin/test}, to keep CI short; the full
     * run, six rounds in a minute, is {@code bin/test -pl examples -Dtest=RotationUnderLoadTest
     * -Dmesh4j.rotation.rounds=6}.
     */
    private static final int RENEWAL_ROUNDS = Integer.getInteger("mesh4j.rotation.rounds", 3);

    @Test
    void certificatesLivingFifteenSecondsRenewUnderLoadAndNoCallFails() throws Exception {
        // 15 s rather than 30 s: as many renewals, reaching the same listeners and pools, in half the time, and
        // still a third of a lifetime (5 s) between a renewal and the expiry of the certificate it replaces.
        final WebClient orders = meshWithLeafLifetime(Duration.ofSeconds(15));
        final long start = System.nanoTime();
        final SteadyLoad load = SteadyLoad.start(orders, "/orders/7", 8);

        // Each workload renews every 10 s: three rounds of renewals take 30 s, six a minute.
        await().atMost(Duration.ofSeconds(15L * RENEWAL_ROUNDS))
                .until(() -> renewals.get() >= RENEWAL_ROUNDS * identities.size());
        load.stop();

        logger.info(
                "rotation under load: {} calls in {} s across {} renewals, {} failed",
                load.ok(),
                Duration.ofNanos(System.nanoTime() - start).toSeconds(),
                renewals.get(),
                load.failures().size());
        assertThat(load.failures())
                .as("calls that failed while certificates rotated")
                .isEmpty();
        assertThat(load.ok()).isGreaterThan(500);
    }

    @Test
    void aCaRotationUnderLoadFailsNoCall() throws Exception {
        final WebClient orders = meshWithLeafLifetime(Duration.ofSeconds(10));
        final SteadyLoad load = SteadyLoad.start(orders, "/orders/7", 8);
        await().atMost(Duration.ofSeconds(10)).until(() -> load.ok() > 200);

        RegistryAccess.ADMIN_CLIENT.get(registry).rotateCa().join();

        // Done when the old root has left every workload's bundle and every certificate comes from the new root:
        // about two leaf lifetimes.
        await().atMost(Duration.ofSeconds(60)).until(() -> identities.stream().allMatch(this::onlyOnNewRoot));
        final long okAfterRotation = load.ok();
        await().atMost(Duration.ofSeconds(10)).until(() -> load.ok() > okAfterRotation + 200);
        load.stop();

        logger.info(
                "CA rotation under load: {} calls, {} failed",
                load.ok(),
                load.failures().size());
        assertThat(load.failures()).as("calls that failed while the CA rotated").isEmpty();
    }

    private boolean onlyOnNewRoot(WorkloadIdentity identity) {
        final List<X509Certificate> bundle = identity.trustBundle();
        final X509Certificate leaf = identity.keyPair().certificateChain().get(0);
        return bundle.size() == 1
                && bundle.get(0).getSubjectX500Principal().getName().contains("CN=root-2")
                && leaf.getIssuerX500Principal().getName().contains("CN=root-2");
    }
}
