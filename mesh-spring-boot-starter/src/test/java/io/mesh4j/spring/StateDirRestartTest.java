package io.mesh4j.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpStatus;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.server.MeshServer;
import io.mesh4j.spring.apps.orders.OrdersApplication;
import io.mesh4j.spring.line.BootLine;

/**
 * {@code mesh.state-dir} (issue 17, restarts without new tokens; issue 13, last-known-good on disk): an application
 * restarted while the registry is away, and without its join token, starts from its state directory, serves, and
 * says so in its health until the registry is back.
 */
class StateDirRestartTest {

    @TempDir
    Path dir;

    private MeshRegistry registry;
    /** Where the applications find the registry, the same once it is stopped and started again. */
    private String registryUri;

    private final List<ConfigurableApplicationContext> applications = new ArrayList<>();

    @AfterEach
    void stop() {
        applications.forEach(ConfigurableApplicationContext::close);
        if (registry != null) {
            registry.close();
        }
    }

    private void startRegistry(int port) {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(port)
                .dataDir(dir.resolve("registry"))
                .build()
                .start()
                .join();
        registryUri = registry.uri().toString();
    }

    private ConfigurableApplicationContext startOrders(String... more) {
        final List<String> properties = new ArrayList<>(List.of(
                "spring.application.name=orders",
                "mesh.registry=" + registryUri,
                "mesh.state-dir=" + dir.resolve("orders-state"),
                "mesh.advertised-host=127.0.0.1",
                "mesh.drain-period=0s",
                "server.port=0",
                "management.endpoints.web.exposure.include=health",
                "management.endpoint.health.show-details=always"));
        properties.addAll(List.of(more));
        final ConfigurableApplicationContext context = new SpringApplicationBuilder(OrdersApplication.class)
                .properties(properties.toArray(new String[0]))
                .run();
        applications.add(context);
        return context;
    }

    private static AggregatedHttpResponse health(ConfigurableApplicationContext context) {
        return WebClient.of("http://127.0.0.1:" + BootLine.webServerPort(context))
                .get("/actuator/health")
                .aggregate()
                .join();
    }

    @Test
    void anApplicationRestartedWhileTheRegistryIsAwayStartsFromItsStateDirWithoutAJoinToken() throws Exception {
        startRegistry(0);
        final int registryPort = registry.uri().getPort();
        final String token = RegistryAccess.ADMIN_CLIENT
                .get(registry)
                .createToken(new IdentityJson.TokenRequest(ServiceName.of("orders"), Duration.ofMinutes(10), 1))
                .join()
                .token();
        final Path bundle = Files.writeString(dir.resolve("trust-bundle.pem"), registry.trustBundlePem());
        final ConfigurableApplicationContext first = startOrders(
                "mesh.join-token-file=" + Files.writeString(dir.resolve("orders.token"), token),
                "mesh.trust-bundle-file=" + bundle);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> first.getBean(MeshServer.class).isRegistered());
        assertThat(health(first).contentUtf8()).doesNotContain("lastKnownGood");
        first.close();
        registry.close();

        // The single-use token is spent, and not given: the certificate in mesh.state-dir stands in for it.
        final ConfigurableApplicationContext restarted = startOrders("mesh.trust-bundle-file=" + bundle);
        final MeshServer server = restarted.getBean(MeshServer.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.whenServing().isDone());
        final AggregatedHttpResponse fromState = health(restarted);
        assertThat(fromState.status()).isEqualTo(HttpStatus.OK);
        assertThat(HealthJson.meshStatus(fromState.contentUtf8())).isEqualTo("UP");
        assertThat(fromState.contentUtf8())
                .contains("\"serving\":true")
                .contains("\"certificateValid\":true")
                .containsPattern("\"lastKnownGood\":\"running from last-known-good state of \\d{4}-\\d\\d-\\d\\dT");

        // The registry back where it was: the application registers and no longer runs from its state.
        startRegistry(registryPort);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(server.isRegistered()).isTrue();
            assertThat(health(restarted).contentUtf8()).doesNotContain("lastKnownGood");
        });
    }
}
