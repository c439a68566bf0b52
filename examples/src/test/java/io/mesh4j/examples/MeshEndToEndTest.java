package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.deadline.Deadline;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.examples.demo.ChildJvm;
import io.mesh4j.examples.services.Inventory;
import io.mesh4j.examples.services.Orders;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.server.MeshServer;

/**
 * The mesh end to end, with mTLS as a user gets it by default: a real registry and CA, services as real processes
 * or real in-JVM servers, a real mesh client.
 */
class MeshEndToEndTest {

    @TempDir
    Path dataDir;

    @TempDir
    Path logDir;

    private LocalMesh local;
    private MeshRegistry registry;
    private URI registryUri;
    private MeshClient caller;

    @BeforeEach
    void start() {
        local = LocalMesh.start(dataDir);
        registry = local.registry();
        registryUri = local.uri();
        final WorkloadIdentity inventoryIdentity = local.identity("inventory");
        final MeshServer inventory = Inventory.server(registryUri, "inventory-1")
                .identity(inventoryIdentity)
                .advertisedHost("127.0.0.1")
                // Stopped after each test, where no call reaches it any more: no drain to wait out.
                .drainPeriod(Duration.ZERO)
                .build();
        inventory.start().join();
        local.closeLater(inventory);
        caller = MeshClient.builder(registryUri)
                .identity(local.identity("frontend"))
                .build();
        local.closeLater(caller);
    }

    @AfterEach
    void stop() throws Exception {
        local.close();
    }

    @Test
    void killingOneOfTwoInstancesUnderSteadyGetLoadFailsNoRequest() throws Exception {
        try (ChildJvm orders1 = ServiceProcesses.start("orders", "orders-1", registry, logDir);
                ChildJvm orders2 = ServiceProcesses.start("orders", "orders-2", registry, logDir)) {
            final WebClient orders = caller.webClient(Orders.SERVICE);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> caller.endpoints(ServiceName.of("orders")).size() == 2);
            final SteadyLoad load = SteadyLoad.start(orders, "/orders/7", 8);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> load.servedBy("orders-1") > 100 && load.servedBy("orders-2") > 100);

            orders1.kill();
            final long servedBeforeKill = load.ok();
            await().atMost(Duration.ofSeconds(30)).until(() -> load.ok() > servedBeforeKill + 1000);
            load.stop();

            assertThat(load.failures())
                    .as("calls that failed after orders-1 was killed")
                    .isEmpty();
            assertThat(load.servedBy("orders-2")).isGreaterThan(1000);
        }
    }

    @Test
    void stoppingAServerWhileRequestsFlowLosesNone() throws Exception {
        final MeshServer orders1 = ordersInstance("orders-1");
        final MeshServer orders2 = ordersInstance("orders-2");
        try {
            final WebClient orders = caller.webClient(Orders.SERVICE);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> caller.endpoints(ServiceName.of("orders")).size() == 2);
            final SteadyLoad load = SteadyLoad.start(orders, "/orders/7", 8);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> load.servedBy("orders-1") > 100 && load.servedBy("orders-2") > 100);

            orders1.stop().join();
            final long servedByStoppedOne = load.servedBy("orders-1");
            final long servedAfterStop = load.ok();
            await().atMost(Duration.ofSeconds(30)).until(() -> load.ok() > servedAfterStop + 500);
            load.stop();

            assertThat(load.failures())
                    .as("calls that failed while orders-1 stopped")
                    .isEmpty();
            assertThat(load.servedBy("orders-1")).isEqualTo(servedByStoppedOne);
        } finally {
            orders2.stop().join();
            orders1.stop().join();
        }
    }

    @Test
    void aHandlerCallingAnotherServicePassesOnWhatIsLeftOfItsCallersDeadline() {
        final WorkloadIdentity edgeIdentity = local.identity("edge");
        final MeshClient edgeMesh =
                MeshClient.builder(registryUri).identity(edgeIdentity).build();
        final WebClient leafClient = edgeMesh.webClient("leaf");
        final MeshServer leaf = MeshServer.builder("leaf", registryUri)
                .identity(local.identity("leaf"))
                .advertisedHost("127.0.0.1")
                .service("/", (ctx, req) -> HttpResponse.of(req.headers().get(Deadline.HEADER, "none")))
                .build();
        final MeshServer edge = MeshServer.builder("edge", registryUri)
                .identity(edgeIdentity)
                .advertisedHost("127.0.0.1")
                .service(
                        "/",
                        (ctx, req) -> HttpResponse.of(
                                leafClient.get("/").aggregate().thenApply(res -> HttpResponse.of(res.contentUtf8()))))
                .build();
        try {
            leaf.start().join();
            edge.start().join();

            final String leftAtLeaf = caller.webClient("edge")
                    .prepare()
                    .get("/")
                    .responseTimeout(Duration.ofMillis(800))
                    .execute()
                    .aggregate()
                    .join()
                    .contentUtf8();

            // The edge's own client allows 10 s by default; the leaf sees what is left of the 800 ms.
            assertThat(Long.parseLong(leftAtLeaf)).isBetween(1L, 800L);
        } finally {
            edge.stop().join();
            leaf.stop().join();
            edgeMesh.close();
        }
    }

    private MeshServer ordersInstance(String id) {
        final WorkloadIdentity identity = local.identity("orders");
        final MeshClient mesh =
                MeshClient.builder(registryUri).identity(identity).build();
        local.closeLater(mesh);
        final MeshServer server = Orders.server(registryUri, mesh, id, Duration.ZERO)
                .identity(identity)
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ofMillis(500))
                .build();
        server.start().join();
        return server;
    }
}
