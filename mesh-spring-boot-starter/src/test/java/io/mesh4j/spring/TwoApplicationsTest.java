package io.mesh4j.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.RouteJson;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.server.MeshServer;
import io.mesh4j.spring.apps.frontend.FrontendApplication;
import io.mesh4j.spring.apps.frontend.OrdersClient;
import io.mesh4j.spring.apps.orders.OrdersApplication;
import io.mesh4j.spring.line.BootLine;

/**
 * Two Spring Boot applications made mesh members by the starter and a few properties, against a real TLS
 * registry: orders serves, frontend calls it by name through an injected {@code @ServiceClient} interface, and the
 * actuator shows the mesh, the route config the operator pushed included.
 */
class TwoApplicationsTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");

    /** What an operator would push with {@code meshctl routes apply orders -f orders-routes.json}. */
    private static final String ORDERS_ROUTES = """
            {"rules": [{"name": "order-reads", "match": {"path": {"template": "/orders/{id}"}, "methods": ["GET"]},
                        "timeout": "2s", "retry": {"attempts": 2}}]}
            """;

    @RegisterExtension
    final TestRegistry mesh = new TestRegistry();

    @Test
    void oneApplicationCallsTheOtherThroughATypedClientOverMtlsAndTheActuatorShowsTheMesh() throws Exception {
        RegistryAccess.ADMIN_CLIENT
                .get(mesh.registry())
                .putRoutes(ORDERS, RouteJson.parse(ORDERS_ROUTES.getBytes(StandardCharsets.UTF_8)))
                .join();
        final ConfigurableApplicationContext orders = new SpringApplicationBuilder(OrdersApplication.class)
                .web(WebApplicationType.NONE)
                .properties(mesh.properties("orders"))
                .properties("mesh.admin-port=0", "management.endpoints.web.exposure.include=mesh")
                .run();
        ConfigurableApplicationContext frontend = null;
        try {
            // Registered once the application has started.
            assertThat(RegistryAccess.ADMIN_CLIENT
                            .get(mesh.registry())
                            .instances(ORDERS)
                            .join()
                            .instances())
                    .hasSize(1);

            frontend = new SpringApplicationBuilder(FrontendApplication.class)
                    .properties(mesh.properties("frontend"))
                    .properties(
                            "server.port=0",
                            "management.endpoints.web.exposure.include=health,mesh",
                            "management.endpoint.health.show-details=always")
                    .run();
            final int port = BootLine.webServerPort(frontend);
            final WebClient http = WebClient.of("http://127.0.0.1:" + port);

            // The frontend's controller calls orders through the OrdersClient bean the starter made.
            assertThat(frontend.getBean(OrdersClient.class).toString()).contains("mesh client of orders");
            assertThat(http.get("/checkout/7").aggregate().join().contentUtf8()).isEqualTo("order 7: shipped");
            assertThat(http.get("/summary/7").aggregate().join().contentUtf8())
                    .isEqualTo("order 7: shipped, not yet paid");

            final String health =
                    http.get("/actuator/health").aggregate().join().contentUtf8();
            assertThat(HealthJson.meshStatus(health)).isEqualTo("UP");
            assertThat(health)
                    .contains("\"spiffeId\":\"spiffe://mesh.local/svc/frontend\"")
                    .contains("\"certificateExpiresAt\":\"")
                    .contains("\"certificateValid\":true")
                    .contains("\"registry\":{\"address\":\"" + mesh.registry().uri() + "\",\"reachable\":true}")
                    .contains("\"endpoints\":{\"orders\":1,\"payments\":0}");

            final String mesh = http.get("/actuator/mesh").aggregate().join().contentUtf8();
            assertThat(mesh)
                    .contains("\"stack\":[\"TRACING\",\"METRICS\",\"ROUTING\",\"FAULTS\",\"DEADLINE\","
                            + "\"HEDGE\",\"RETRY\",\"BREAKER\"]")
                    .contains("\"orders\":{\"servingLastKnown\":false,\"endpoints\":[{\"instanceId\":\"orders-")
                    // The route config in force for the service called, as the operator wrote it.
                    .containsPattern("\"routeConfig\":\\{\"source\":\"registry\",\"index\":\\d+,\"rules\":"
                            + "\\[\\{\"name\":\"order-reads\",\"match\":\\{\"path\":\\{\"template\":"
                            + "\"/orders/\\{id}\"},\"methods\":\\[\"GET\"]")
                    .contains("\"timeout\":\"2s\"", "\"retry\":{\"attempts\":2")
                    .contains("\"certificateExpiresAt\"");

            // The server's own view: the registry's rule, and its route's @Timeout beneath it; its admin port.
            @SuppressWarnings("unchecked")
            final Map<String, Object> ordersView =
                    (Map<String, Object>) orders.getBean(io.mesh4j.spring.actuator.MeshEndpoint.class)
                            .mesh()
                            .get("server");
            assertThat(ordersView.get("routeConfig").toString())
                    .contains("registry={source=registry, rules=[{name=order-reads")
                    .contains("annotations=[{route=GET /orders/:id, method=OrdersApi.order(String), timeout=1500ms");
            final int adminPort = orders.getBean(MeshServer.class).admin().port();
            final AggregatedHttpResponse metrics = WebClient.of("http://127.0.0.1:" + adminPort)
                    .get("/metrics")
                    .aggregate()
                    .join();
            assertThat(metrics.contentUtf8())
                    .contains("mesh_server_requests_seconds_count{")
                    .contains("service=\"orders\"");
        } finally {
            orders.close();
            if (frontend != null) {
                // The frontend keeps watching orders; closing orders deregistered it, and the frontend hears so.
                final MeshClient client = frontend.getBean(MeshClient.class);
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> client.endpoints(ORDERS).isEmpty());

                // With orders gone, the method with a fallback answers from it (payments never had an instance:
                // its fallback class answers), and the one without is a 503 that names no internal service.
                final WebClient http = WebClient.of("http://127.0.0.1:" + BootLine.webServerPort(frontend));
                assertThat(http.get("/summary/7").aggregate().join().contentUtf8())
                        .isEqualTo("order 7: unknown, not yet paid");
                final AggregatedHttpResponse unavailable =
                        http.get("/checkout/7").aggregate().join();
                assertThat(unavailable.status().code()).isEqualTo(503);
                assertThat(unavailable.contentType().toString()).startsWith("application/problem+json");
                assertThat(unavailable.contentUtf8())
                        .contains("\"status\":503")
                        .contains("A service this one depends on is unavailable")
                        .doesNotContain("orders");
                frontend.close();
            }
        }
        assertThat(RegistryAccess.ADMIN_CLIENT
                        .get(mesh.registry())
                        .instances(ORDERS)
                        .join()
                        .instances())
                .isEmpty();
    }
}
