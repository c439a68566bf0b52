package io.mesh4j.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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
import io.mesh4j.spring.apps.frontend.FrontendApplication;
import io.mesh4j.spring.apps.orders.OrdersApplication;
import io.mesh4j.spring.line.BootLine;

/**
 * {@code /actuator/health} over HTTP while the registry goes away (issue 16): the applications keep calling and
 * serving from what they know, so the {@code mesh} component stays UP (200) with a degraded detail; it goes DOWN
 * (503) for what really stops an application, a server that no longer serves and a certificate that expired.
 */
class RegistryOutageHealthTest {

    /**
     * Short-lived certificates, so that one expires during the test once the registry cannot renew it; long enough
     * that none expires before the registry is stopped and the degraded health is read.
     */
    private static final Duration LEAF_LIFETIME = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private MeshRegistry registry;
    private final List<ConfigurableApplicationContext> applications = new ArrayList<>();

    @BeforeEach
    void start() {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir.resolve("registry"))
                .leafLifetime(LEAF_LIFETIME)
                .build()
                .start()
                .join();
    }

    @AfterEach
    void stop() {
        applications.forEach(ConfigurableApplicationContext::close);
        registry.close();
    }

    /** Starts a web application with the actuator's health, details shown, and the mesh properties. */
    private WebClient startApplication(Class<?> application, String service) throws Exception {
        final String token = RegistryAccess.ADMIN_CLIENT
                .get(registry)
                .createToken(new IdentityJson.TokenRequest(ServiceName.of(service), Duration.ofMinutes(10), 1))
                .join()
                .token();
        final ConfigurableApplicationContext context = new SpringApplicationBuilder(application)
                .properties(
                        "spring.application.name=" + service,
                        "mesh.registry=" + registry.uri(),
                        "mesh.join-token-file=" + Files.writeString(dir.resolve(service + ".token"), token),
                        "mesh.trust-bundle-file="
                                + Files.writeString(dir.resolve("trust-bundle.pem"), registry.trustBundlePem()),
                        "mesh.advertised-host=127.0.0.1",
                        "mesh.drain-period=0s",
                        "server.port=0",
                        "management.endpoints.web.exposure.include=health",
                        "management.endpoint.health.show-details=always")
                .run();
        applications.add(context);
        return WebClient.of("http://127.0.0.1:" + BootLine.webServerPort(context));
    }

    private static AggregatedHttpResponse health(WebClient http) {
        return http.get("/actuator/health").aggregate().join();
    }

    @Test
    void healthStaysUpWithADegradedDetailWhileTheRegistryIsAwayAndGoesDownWhenServingOrTheCertificateEnds()
            throws Exception {
        final WebClient orders = startApplication(OrdersApplication.class, "orders");
        final WebClient frontend = startApplication(FrontendApplication.class, "frontend");
        assertThat(frontend.get("/checkout/7").aggregate().join().contentUtf8()).isEqualTo("order 7: shipped");
        assertThat(health(frontend).status()).isEqualTo(HttpStatus.OK);
        assertThat(HealthJson.meshStatus(health(frontend).contentUtf8())).isEqualTo("UP");
        assertThat(health(frontend).contentUtf8()).doesNotContain("degraded");

        registry.close();

        // Calls go on to the endpoint the frontend last heard of, and the health says so, UP.
        assertThat(frontend.get("/checkout/8").aggregate().join().contentUtf8()).isEqualTo("order 8: shipped");
        final AggregatedHttpResponse degraded = health(frontend);
        assertThat(degraded.status()).isEqualTo(HttpStatus.OK);
        assertThat(HealthJson.meshStatus(degraded.contentUtf8())).isEqualTo("UP");
        assertThat(degraded.contentUtf8())
                .contains("\"reachable\":false")
                .containsPattern("\"unreachableSince\":\"\\d{4}-\\d\\d-\\d\\dT")
                .containsPattern("\"degraded\":\"registry unreachable since [^\"]+, serving from last-known "
                        + "endpoints \\{orders=1, payments=0}; the certificate cannot be renewed and expires at ")
                .contains("\"certificateValid\":true");
        // The server serves on, whatever its registration: it stays UP too.
        final AggregatedHttpResponse serving = health(orders);
        assertThat(serving.status()).isEqualTo(HttpStatus.OK);
        assertThat(HealthJson.meshStatus(serving.contentUtf8())).isEqualTo("UP");
        assertThat(serving.contentUtf8())
                .contains("\"serving\":true")
                .containsPattern("\"degraded\":\"registry unreachable since [^\"]+, this instance still serving");

        // A server that no longer serves is DOWN, registry or not.
        ordersContext().getBean(MeshServer.class).stop().join();
        final AggregatedHttpResponse stopped = health(orders);
        assertThat(stopped.status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(HealthJson.meshStatus(stopped.contentUtf8())).isEqualTo("DOWN");
        assertThat(stopped.contentUtf8()).contains("\"serving\":false");

        // No renewal without the registry: once the certificate expires, no peer accepts it, and it is DOWN.
        await().atMost(LEAF_LIFETIME.plusSeconds(10))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> health(frontend).status() == HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(HealthJson.meshStatus(health(frontend).contentUtf8())).isEqualTo("DOWN");
        assertThat(health(frontend).contentUtf8()).contains("\"certificateValid\":false");
    }

    private ConfigurableApplicationContext ordersContext() {
        return applications.get(0);
    }
}
