package io.mesh4j.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.annotation.MeshService;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.RouteJson;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.server.MeshServer;
import io.mesh4j.spring.actuator.MeshActuatorAutoConfiguration;
import io.mesh4j.spring.actuator.MeshEndpoint;
import io.mesh4j.spring.actuator.MeshHealthAutoConfiguration;
import io.mesh4j.spring.autoconfigure.MeshAutoConfiguration;
import io.mesh4j.spring.line.BootLine;

/** The {@code mesh} health indicator and the {@code /actuator/mesh} endpoint, against a real registry. */
class MeshActuatorTest {

    private static final ServiceName INVENTORY = ServiceName.of("inventory");

    private static MeshRegistry registry;

    @BeforeAll
    static void startRegistry(@TempDir Path dir) {
        registry = MeshRegistry.builder()
                .plaintext()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir)
                .build()
                .start()
                .join();
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    MeshAutoConfiguration.class,
                    MeshActuatorAutoConfiguration.class,
                    MeshHealthAutoConfiguration.class))
            .withPropertyValues(
                    "spring.application.name=frontend",
                    "mesh.tls=off",
                    "management.endpoints.web.exposure.include=health,mesh");

    @Test
    void healthIsUpWhileTheRegistryAnswersAndSaysWhereItIs() {
        runner.withPropertyValues("mesh.registry=" + registry.uri()).run(context -> {
            final BootLine.Reading health = BootLine.meshHealth(context);
            assertThat(health.status()).isEqualTo("UP");
            assertThat(health.details())
                    .containsEntry("identity", Map.of("tls", "off"))
                    .containsEntry("registry", Map.of("address", registry.uri().toString(), "reachable", true));
        });
    }

    @Test
    void aRegistryThatDoesNotAnswerIsADegradedDetailNotDown() {
        // Plaintext, so no certificate to lose: nothing stops this application from calling what it knows.
        runner.withPropertyValues("mesh.registry=http://127.0.0.1:1").run(context -> {
            final BootLine.Reading health = BootLine.meshHealth(context);
            assertThat(health.status()).isEqualTo("UP");
            assertThat(health.details().get("registry").toString())
                    .contains("address=http://127.0.0.1:1", "reachable=false", "Connection refused")
                    .containsPattern("unreachableSince=\\d{4}-");
            assertThat(health.details().get("degraded").toString()).startsWith("registry unreachable since ");
        });
    }

    @Test
    void theHealthIndicatorCanBeTurnedOffAsAnyOther() {
        runner.withPropertyValues("mesh.registry=" + registry.uri(), "management.health.mesh.enabled=false")
                .run(context -> {
                    assertThat(context).doesNotHaveBean("meshHealthIndicator");
                    assertThat(context).hasSingleBean(MeshEndpoint.class);
                });
    }

    @Test
    @SuppressWarnings("unchecked")
    void theMeshEndpointShowsTheRouteConfigInForcePerCalledService() {
        RegistryAccess.ADMIN_CLIENT
                .get(registry)
                .putRoutes(INVENTORY, RouteJson.parse("""
                {"rules": [{"name": "slow-lookups", "match": {"path": {"prefix": "/inventory/"}},
                            "timeout": "800ms", "fault": {"delay": {"percent": 10, "duration": "50ms"}}}]}
                """.getBytes(StandardCharsets.UTF_8)))
                .join();
        runner.withPropertyValues("mesh.registry=" + registry.uri()).run(context -> {
            final MeshClient client = context.getBean(MeshClient.class);
            client.webClient("inventory");
            client.webClient("orders");
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> !client.routeConfig(INVENTORY).rules().isEmpty());

            final Map<String, Object> mesh = context.getBean(MeshEndpoint.class).mesh();
            final Map<String, Object> services =
                    (Map<String, Object>) ((Map<String, Object>) mesh.get("client")).get("services");
            final Map<String, Object> inventory =
                    (Map<String, Object>) ((Map<String, Object>) services.get("inventory")).get("routeConfig");
            assertThat(inventory).containsEntry("source", "registry").containsKey("index");
            final Map<String, Object> rule = ((List<Map<String, Object>>) inventory.get("rules")).get(0);
            assertThat(rule)
                    .containsEntry("name", "slow-lookups")
                    .containsEntry(
                            "match",
                            Map.of("path", Map.of("prefix", "/inventory/"), "methods", List.of(), "headers", Map.of()))
                    .containsEntry("timeout", "800ms")
                    .containsEntry("fault", Map.of("delay", Map.of("percent", 10.0, "duration", "50ms")));

            final Map<String, Object> orders =
                    (Map<String, Object>) ((Map<String, Object>) services.get("orders")).get("routeConfig");
            assertThat(orders)
                    .containsEntry("source", "none in the registry: annotations and defaults apply")
                    .containsEntry("rules", List.of());
        });
    }

    @MeshService
    public static final class StockApi {
        @Get("/stock/{sku}")
        public String stock(@Param String sku) {
            return "12";
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void aServingApplicationShowsItsInboundStackInOrderAndIsDownOnceItNoLongerServes() {
        runner.withPropertyValues(
                        "mesh.registry=" + registry.uri(),
                        "spring.application.name=stock",
                        "mesh.instance-id=stock-1",
                        "mesh.advertised-host=127.0.0.1",
                        "mesh.drain-period=0s")
                .withBean(StockApi.class)
                .run(context -> {
                    final Map<String, Object> server = (Map<String, Object>)
                            context.getBean(MeshEndpoint.class).mesh().get("server");
                    assertThat(server)
                            .containsEntry("service", "stock")
                            .containsEntry("instanceId", "stock-1")
                            .containsEntry("serving", true)
                            .containsEntry("registered", true)
                            .containsEntry(
                                    "stack",
                                    List.of(
                                            "TRACING",
                                            "METRICS",
                                            "AUTHZ",
                                            "RATE_LIMIT",
                                            "CONCURRENCY",
                                            "FAULTS",
                                            "DEADLINE"))
                            .containsEntry("accessPolicy", "annotations")
                            .containsEntry("defaultPolicy", "allow");
                    assertThat(BootLine.meshHealth(context).status()).isEqualTo("UP");
                    assertThat(BootLine.meshHealth(context).details())
                            .containsEntry("serving", true)
                            .containsEntry("registered", true)
                            .doesNotContainKey("degraded");

                    // Deregistered and stopped while the application runs on: it cannot serve any more.
                    context.getBean(MeshServer.class).stop().join();
                    assertThat(BootLine.meshHealth(context).status()).isEqualTo("DOWN");
                    assertThat(BootLine.meshHealth(context).details())
                            .containsEntry("serving", false)
                            .containsEntry("registered", false);
                });
    }
}
