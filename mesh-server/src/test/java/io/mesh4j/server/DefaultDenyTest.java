package io.mesh4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;

import io.mesh4j.core.admin.AdminServer;
import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.authz.DefaultPolicy;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.registry.PolicyJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;

/**
 * Default-deny on real mTLS servers and a real TLS registry: the mesh-wide default, a service's own default, and
 * the order in which they, the pushed rules and the annotations decide (pushed rules > annotations > service default
 * > mesh default).
 */
class DefaultDenyTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");
    private static final String MESH_DENY = "refused by the mesh-wide default-deny";
    private static final String SERVICE_DENY = "refused by the service's default-deny";

    @TempDir
    Path dataDir;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private MeshRegistry registry;
    private RegistryClient admin;
    private MeshServer orders;
    private WebClient asFrontend;
    private WebClient asInventory;

    @BeforeEach
    void start() {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .defaultPolicy(DefaultPolicy.DENY)
                .build()
                .start()
                .join();
        admin = RegistryAccess.ADMIN_CLIENT.get(registry);
        // /orders/{id} is @AllowCallers("frontend"); /catalog has no annotation.
        orders = MeshServer.builder("orders", registry.uri())
                .identity(identity("orders"))
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .annotatedService(new AuthorizationTest.OrdersService())
                .adminPort(0)
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

    @Test
    void underMeshDenyAServiceWithoutPolicyRefusesWhatNothingAllowsSayingSoAndServesWhatIsAllowed() {
        assertThat(orders.defaultPolicy()).isEqualTo(DefaultPolicy.DENY);

        final AggregatedHttpResponse refused = get(asInventory, "/catalog");
        assertThat(refused.status()).isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(refused.contentUtf8())
                .contains("\"error\":\"forbidden\"")
                .contains("spiffe://mesh.local/svc/inventory may not call GET /catalog of orders (" + MESH_DENY
                        + ": the registry's default policy is deny, and orders has no access policy in the registry "
                        + "and no @AllowCallers on this route; push one that allows this caller (meshctl policies "
                        + "apply orders), or give orders its own default)");
        // The annotation lists frontend: listed, it is served; not listed, the annotation refuses as it always did.
        assertThat(get(asFrontend, "/orders/7").contentUtf8()).isEqualTo("order 7");
        assertThat(get(asInventory, "/orders/7").contentUtf8())
                .contains("the @AllowCallers annotation does not allow it");

        // A pushed rule that lists inventory lets it through.
        putPolicy("{\"rules\": [{\"routes\": [\"/catalog\"], \"allowCallers\": [\"inventory\"]}]}");
        await().atMost(Duration.ofSeconds(5))
                .until(() -> get(asInventory, "/catalog").status() == HttpStatus.OK);
        assertThat(orders.authorizationCounts().of("spiffe://mesh.local/svc/inventory", false))
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    void theMeshsOwnCallsMeetNoDeny() {
        // Registration, heartbeats and watches are the server calling the registry; the registry calls no member.
        assertThat(orders.isRegistered()).isTrue();
        assertThat(admin.instances(ORDERS).join().instances()).hasSize(1);
        // Health and metrics are on the admin port, apart from AUTHZ.
        final AdminServer adminServer = orders.admin();
        assertThat(adminServer).isNotNull();
        final WebClient adminClient = WebClient.of("http://127.0.0.1:" + adminServer.port());
        assertThat(get(adminClient, "/healthz").status()).isEqualTo(HttpStatus.OK);
        assertThat(get(adminClient, "/metrics").status()).isEqualTo(HttpStatus.OK);
        assertThat(get(asInventory, "/catalog").status()).isEqualTo(HttpStatus.FORBIDDEN);
    }

    @Test
    void switchingTheMeshDefaultLiveTakesEffectWithinSeconds() {
        assertThat(get(asInventory, "/catalog").status()).isEqualTo(HttpStatus.FORBIDDEN);

        admin.putDefaultPolicy(DefaultPolicy.ALLOW).join();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> get(asInventory, "/catalog").status() == HttpStatus.OK);
        assertThat(orders.defaultPolicy()).isEqualTo(DefaultPolicy.ALLOW);
        // The annotation still decides its route.
        assertThat(get(asInventory, "/orders/7").status()).isEqualTo(HttpStatus.FORBIDDEN);

        admin.putDefaultPolicy(DefaultPolicy.DENY).join();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> get(asInventory, "/catalog").status() == HttpStatus.FORBIDDEN);
        assertThat(get(asInventory, "/catalog").contentUtf8()).contains(MESH_DENY);
    }

    @Test
    void aServicesOwnAllowWinsOverTheMeshDenyButNotOverItsRulesOrAnnotations() {
        putPolicy("{\"default\": \"allow\"}");
        await().atMost(Duration.ofSeconds(5))
                .until(() -> get(asInventory, "/catalog").status() == HttpStatus.OK);
        assertThat(orders.defaultPolicy()).isEqualTo(DefaultPolicy.ALLOW);
        // annotations > service default
        assertThat(get(asInventory, "/orders/7").contentUtf8())
                .contains("the @AllowCallers annotation does not allow it");
        assertThat(get(asFrontend, "/orders/7").status()).isEqualTo(HttpStatus.OK);

        // pushed rules > service default: the rule covers /catalog and lists frontend only.
        putPolicy("{\"default\": \"allow\", \"rules\": [{\"routes\": [\"/catalog\"], \"allowCallers\": "
                + "[\"frontend\"]}]}");
        await().atMost(Duration.ofSeconds(5))
                .until(() -> get(asInventory, "/catalog").status() == HttpStatus.FORBIDDEN);
        assertThat(get(asInventory, "/catalog").contentUtf8())
                .contains("the policy pushed by the registry does not allow it");
        assertThat(get(asFrontend, "/catalog").status()).isEqualTo(HttpStatus.OK);
        // A route the rules do not cover goes on to its annotation.
        assertThat(get(asFrontend, "/orders/7").status()).isEqualTo(HttpStatus.OK);
        assertThat(get(asInventory, "/orders/7").contentUtf8())
                .contains("the @AllowCallers annotation does not allow it");
    }

    @Test
    void aServicesOwnDenyWinsOverTheMeshAllow() {
        admin.putDefaultPolicy(DefaultPolicy.ALLOW).join();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> get(asInventory, "/catalog").status() == HttpStatus.OK);

        putPolicy("{\"default\": \"deny\"}");

        await().atMost(Duration.ofSeconds(5))
                .until(() -> get(asInventory, "/catalog").status() == HttpStatus.FORBIDDEN);
        assertThat(get(asInventory, "/catalog").contentUtf8())
                .contains(SERVICE_DENY + ": the access policy of orders in the registry has the default deny");
        assertThat(orders.defaultPolicy()).isEqualTo(DefaultPolicy.DENY);
        // annotations > service default
        assertThat(get(asFrontend, "/orders/7").status()).isEqualTo(HttpStatus.OK);
    }

    @Test
    void aPolicyWithoutADefaultIsItsRulesAloneOverAnnotationsAndEveryDefault() {
        // inventory on every route, frontend on none: the annotation that lists frontend no longer counts.
        putPolicy("{\"rules\": [{\"allowCallers\": [\"inventory\"]}]}");

        await().atMost(Duration.ofSeconds(5))
                .until(() -> get(asInventory, "/catalog").status() == HttpStatus.OK);
        assertThat(get(asInventory, "/orders/7").status()).isEqualTo(HttpStatus.OK);
        assertThat(get(asFrontend, "/orders/7").contentUtf8())
                .contains("the policy pushed by the registry does not allow it");
        admin.putDefaultPolicy(DefaultPolicy.ALLOW).join();
        assertThat(get(asFrontend, "/catalog").status()).isEqualTo(HttpStatus.FORBIDDEN);
    }

    @Test
    void aServerThatHasNotHeardFromTheRegistryRefusesWhatNoAnnotationAllowsUntilItDoes(@TempDir Path plainDir)
            throws Exception {
        final int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        final URI away = URI.create("http://127.0.0.1:" + port);
        try (MeshServer closed = plaintext("shipping", away).build();
                MeshServer open = plaintext("billing", away)
                        .defaultPolicyUntilKnown(DefaultPolicy.ALLOW)
                        .build()) {
            closed.start();
            open.start();
            final WebClient toClosed =
                    WebClient.of("http://127.0.0.1:" + closed.whenServing().join());
            final WebClient toOpen =
                    WebClient.of("http://127.0.0.1:" + open.whenServing().join());

            assertThat(get(toClosed, "/").status()).isEqualTo(HttpStatus.FORBIDDEN);
            assertThat(get(toClosed, "/").contentUtf8())
                    .contains("refused by the default-deny this server applies until it has heard from the registry");
            assertThat(get(toOpen, "/").contentUtf8()).isEqualTo("served");

            // A plaintext registry of a mesh that allows: once it answers, its default applies.
            try (MeshRegistry plain = Registries.start(plainDir, port)) {
                await().atMost(Duration.ofSeconds(15))
                        .until(() -> get(toClosed, "/").status() == HttpStatus.OK);
                assertThat(plain.defaultPolicy()).isEqualTo(DefaultPolicy.ALLOW);
            }
            // Gone again: what it said stays in force.
            assertThat(get(toClosed, "/").status()).isEqualTo(HttpStatus.OK);
        }
    }

    private static MeshServerBuilder plaintext(String service, URI registry) {
        return MeshServer.builder(service, registry)
                .plaintext()
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .service("/", (ctx, req) -> HttpResponse.of("served"));
    }

    private void putPolicy(String json) {
        final AccessPolicy policy = PolicyJson.parsePolicy(json.getBytes(StandardCharsets.UTF_8));
        admin.putPolicy(ORDERS, policy).join();
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
}
