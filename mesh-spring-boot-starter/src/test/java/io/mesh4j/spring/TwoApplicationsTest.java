package io.mesh4j.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.discovery.MeshService;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.registry.IdentityJson;
import io.mesh4j.registry.MeshRegistry;

/**
 * Two Spring Boot applications made mesh members by the starter and a few properties, against a real TLS
 * registry: one serves, the other calls it by name, and the actuator shows the mesh.
 */
class TwoApplicationsTest {

    @MeshService
    public static final class OrdersApi {
        @Get("/orders/{id}")
        public String order(@Param String id) {
            return "{\"order\": \"" + id + "\"}";
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class OrdersApplication {
        @Bean
        OrdersApi ordersApi() {
            return new OrdersApi();
        }
    }

    @RestController
    static final class CheckoutController {
        private final WebClient orders;

        CheckoutController(MeshClient mesh) {
            orders = mesh.webClient("orders");
        }

        @GetMapping("/checkout/{id}")
        String checkout(@PathVariable String id) {
            return orders.get("/orders/" + id).aggregate().join().contentUtf8();
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class FrontendApplication {
        @Bean
        CheckoutController checkoutController(MeshClient mesh) {
            return new CheckoutController(mesh);
        }
    }

    @TempDir
    Path dir;

    private MeshRegistry registry;

    @BeforeEach
    void start() {
        registry = MeshRegistry.builder().host("127.0.0.1").port(0).dataDir(dir.resolve("registry")).build().start();
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    /** The three properties, and the file each names, as an operator would hand them to the application. */
    private String[] meshProperties(String service) throws Exception {
        final String token = registry.adminClient().createToken(new IdentityJson.TokenRequest(
                ServiceName.of(service), Duration.ofMinutes(10), 1)).join().token();
        final Path tokenFile = Files.writeString(dir.resolve(service + ".token"), token);
        final Path bundle = Files.writeString(dir.resolve("trust-bundle.pem"), registry.trustBundlePem());
        return new String[] {
                "spring.application.name=" + service,
                "mesh.registry=" + registry.uri(),
                "mesh.join-token-file=" + tokenFile,
                "mesh.trust-bundle-file=" + bundle,
                "mesh.advertised-host=127.0.0.1",
                "mesh.drain-period=0s",
        };
    }

    @Test
    void oneApplicationCallsTheOtherByNameOverMtlsAndTheActuatorShowsTheMesh() throws Exception {
        final ConfigurableApplicationContext orders = new SpringApplicationBuilder(OrdersApplication.class)
                .web(WebApplicationType.NONE).properties(meshProperties("orders")).run();
        ConfigurableApplicationContext frontend = null;
        try {
            assertThat(registry.adminClient().instances(ServiceName.of("orders")).join().instances()).hasSize(1);

            frontend = new SpringApplicationBuilder(FrontendApplication.class)
                    .properties(meshProperties("frontend"))
                    .properties("server.port=0", "management.endpoints.web.exposure.include=health,mesh",
                                "management.endpoint.health.show-details=always")
                    .run();
            final int port = ((WebServerApplicationContext) frontend).getWebServer().getPort();
            final WebClient http = WebClient.of("http://127.0.0.1:" + port);

            assertThat(http.get("/checkout/7").aggregate().join().contentUtf8()).isEqualTo("{\"order\": \"7\"}");

            final String health = http.get("/actuator/health").aggregate().join().contentUtf8();
            assertThat(health).contains("\"mesh\":{\"status\":\"UP\"")
                              .contains("\"spiffeId\":\"spiffe://mesh.local/svc/frontend\"")
                              .contains("\"endpoints\":{\"orders\":1}");
            final String mesh = http.get("/actuator/mesh").aggregate().join().contentUtf8();
            assertThat(mesh).contains("\"stack\":[\"TRACING\",\"METRICS\",\"ROUTING\",\"FAULTS\",\"DEADLINE\","
                                      + "\"HEDGE\",\"RETRY\",\"BREAKER\"]")
                            .contains("\"orders\":{\"servingLastKnown\":false,\"endpoints\":[{\"instanceId\":\"orders-")
                            .contains("\"certificateExpiresAt\"");
        } finally {
            orders.close();
            if (frontend != null) {
                // The frontend keeps watching orders; closing orders deregistered it, and the frontend hears so.
                final MeshClient client = frontend.getBean(MeshClient.class);
                await().atMost(Duration.ofSeconds(5)).until(
                        () -> client.endpoints(ServiceName.of("orders")).endpoints().isEmpty());
                frontend.close();
            }
        }
        assertThat(registry.adminClient().instances(ServiceName.of("orders")).join().instances()).isEmpty();
    }
}
