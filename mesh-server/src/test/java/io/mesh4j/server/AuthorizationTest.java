package io.mesh4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;

import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.authz.AccessRule;
import io.mesh4j.core.authz.AllowCallers;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;

/** Authorization by identity: annotations beside the code, policies pushed by the registry over them. */
class AuthorizationTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");

    /** orders as its owner wrote it: the order itself for frontend only, the catalog for everyone. */
    public static final class OrdersService {
        @Get("/orders/{id}")
        @AllowCallers("frontend")
        public String order(@Param String id) {
            return "order " + id;
        }

        @Get("/catalog")
        public String catalog() {
            return "catalog";
        }
    }

    @TempDir
    Path dataDir;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private MeshRegistry registry;
    private MeshServer orders;
    private WebClient asFrontend;
    private WebClient asInventory;

    @BeforeEach
    void start() {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .build()
                .start()
                .join();
        orders = MeshServer.builder("orders", registry.uri())
                .identity(identity("orders"))
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .annotatedService(new OrdersService())
                .build();
        orders.start().join();
        asFrontend = clientAs(identity("frontend"), orders.port());
        asInventory = clientAs(identity("inventory"), orders.port());
    }

    @AfterEach
    void stop() throws Exception {
        orders.stop().join();
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        registry.close();
    }

    private WorkloadIdentity identity(String service) {
        return TlsWorkloads.join(registry, service, toClose);
    }

    private WebClient clientAs(WorkloadIdentity identity, int port) {
        return TlsWorkloads.clientAs(identity, port, toClose);
    }

    private static AggregatedHttpResponse get(WebClient client, String path) {
        return client.get(path).aggregate().join();
    }

    @Test
    void anAnnotatedRouteAnswersOnlyItsAllowedCallers() {
        assertThat(get(asFrontend, "/orders/7").contentUtf8()).isEqualTo("order 7");

        final AggregatedHttpResponse refused = get(asInventory, "/orders/7");
        assertThat(refused.status()).isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(refused.contentUtf8())
                .contains("spiffe://mesh.local/svc/inventory may not call GET /orders/:id of orders (the @AllowCallers "
                        + "annotation does not allow it)");

        // A route without the annotation declares no policy: any caller of the mesh.
        assertThat(get(asInventory, "/catalog").contentUtf8()).isEqualTo("catalog");
    }

    @Test
    void aPolicyPushedByTheRegistryOverridesTheAnnotationsWithinASecondAndItsRemovalRestoresThem() {
        final AccessPolicy inventoryReadsOrders = new AccessPolicy(List.of(
                new AccessRule(Set.of("/orders/{id}"), Set.of(HttpMethod.GET), Set.of(ServiceName.of("inventory")))));

        RegistryAccess.ADMIN_CLIENT
                .get(registry)
                .putPolicy(ORDERS, inventoryReadsOrders)
                .join();

        await().atMost(Duration.ofSeconds(1))
                .until(() -> get(asInventory, "/orders/7").status() == HttpStatus.OK);
        assertThat(get(asFrontend, "/orders/7").status()).isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(get(asFrontend, "/orders/7").contentUtf8()).contains("the policy pushed by the registry");
        // A pushed policy covers the whole service: what it does not allow is refused.
        assertThat(get(asInventory, "/catalog").status()).isEqualTo(HttpStatus.FORBIDDEN);

        RegistryAccess.ADMIN_CLIENT.get(registry).deletePolicy(ORDERS).join();

        await().atMost(Duration.ofSeconds(1))
                .until(() -> get(asFrontend, "/orders/7").status() == HttpStatus.OK);
        assertThat(get(asInventory, "/orders/7").status()).isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(get(asInventory, "/catalog").status()).isEqualTo(HttpStatus.OK);
    }

    @Test
    void everyDecisionIsCountedByCaller() {
        get(asFrontend, "/orders/1");
        get(asFrontend, "/orders/2");
        get(asInventory, "/orders/3");
        get(asInventory, "/catalog");

        assertThat(orders.authorizationCounts().of("spiffe://mesh.local/svc/frontend", true))
                .isEqualTo(2);
        assertThat(orders.authorizationCounts().of("spiffe://mesh.local/svc/inventory", false))
                .isEqualTo(1);
        assertThat(orders.authorizationCounts().of("spiffe://mesh.local/svc/inventory", true))
                .isEqualTo(1);
    }

    @Test
    void aDecisionKeptForACallerGivesWayToTheNextPushAndEveryRequestIsStillCounted() {
        final String frontend = "spiffe://mesh.local/svc/frontend";
        for (int i = 0; i < 5; i++) {
            assertThat(get(asFrontend, "/orders/" + i).status()).isEqualTo(HttpStatus.OK);
        }
        assertThat(orders.authorizationCounts().of(frontend, true)).isEqualTo(5);

        // The decision the annotation gave frontend was kept; a push that leaves frontend out refuses its next one.
        final AccessPolicy onlyInventory = new AccessPolicy(List.of(
                new AccessRule(Set.of("/orders/{id}"), Set.of(HttpMethod.GET), Set.of(ServiceName.of("inventory")))));
        RegistryAccess.ADMIN_CLIENT
                .get(registry)
                .putPolicy(ORDERS, onlyInventory)
                .join();
        await().atMost(Duration.ofSeconds(1))
                .until(() -> get(asFrontend, "/orders/7").status() == HttpStatus.FORBIDDEN);
        final long refusedSoFar = orders.authorizationCounts().of(frontend, false);
        for (int i = 0; i < 3; i++) {
            final AggregatedHttpResponse refused = get(asFrontend, "/orders/7");
            assertThat(refused.status()).isEqualTo(HttpStatus.FORBIDDEN);
            assertThat(refused.contentUtf8())
                    .contains(frontend + " may not call GET /orders/:id of orders (the policy pushed by the registry "
                            + "does not allow it)");
        }
        assertThat(orders.authorizationCounts().of(frontend, false)).isEqualTo(refusedSoFar + 3);

        // And the refusal kept under that policy gives way to the next push.
        final AccessPolicy both = new AccessPolicy(List.of(new AccessRule(
                Set.of("/orders/{id}"),
                Set.of(HttpMethod.GET),
                Set.of(ServiceName.of("inventory"), ServiceName.of("frontend")))));
        RegistryAccess.ADMIN_CLIENT.get(registry).putPolicy(ORDERS, both).join();
        await().atMost(Duration.ofSeconds(1))
                .until(() -> get(asFrontend, "/orders/7").status() == HttpStatus.OK);
        assertThat(get(asInventory, "/orders/7").status()).isEqualTo(HttpStatus.OK);
    }

    @Test
    void aPolicyAlreadyInTheRegistryAppliesFromTheFirstRequest() {
        final AccessPolicy nobodyButFrontend =
                new AccessPolicy(List.of(new AccessRule(Set.of(), Set.of(), Set.of(ServiceName.of("frontend")))));
        RegistryAccess.ADMIN_CLIENT
                .get(registry)
                .putPolicy(ServiceName.of("payments"), nobodyButFrontend)
                .join();
        final MeshServer payments = MeshServer.builder("payments", registry.uri())
                .identity(identity("payments"))
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .annotatedService(new OrdersService())
                .build();
        payments.start().join();
        try {
            final WebClient inventoryToPayments = clientAs(identity("inventory"), payments.port());
            assertThat(get(inventoryToPayments, "/catalog").status()).isEqualTo(HttpStatus.FORBIDDEN);
        } finally {
            payments.stop().join();
        }
    }
}
