package io.mesh4j.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.context.ConfigurableApplicationContext;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.server.MeshServer;
import io.mesh4j.spring.apps.frontend.FrontendApplication;
import io.mesh4j.spring.apps.orders.OrdersApplication;
import io.mesh4j.spring.discovery.MeshDiscoveryClient;

/**
 * An application with Spring Cloud Commons finds the mesh's services through Spring Cloud's own
 * {@link DiscoveryClient} (the composite one every Spring Cloud application injects): the services registered in a
 * real registry, each instance with its id, address, mesh port and metadata.
 */
class DiscoveryClientTest {

    @TempDir
    Path dir;

    private MeshRegistry registry;

    @BeforeEach
    void start() {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir.resolve("registry"))
                .build()
                .start()
                .join();
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    private String[] properties(String service) throws Exception {
        final String token = RegistryAccess.ADMIN_CLIENT
                .get(registry)
                .createToken(new IdentityJson.TokenRequest(ServiceName.of(service), Duration.ofMinutes(10), 1))
                .join()
                .token();
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
    void springCloudsDiscoveryClientSeesTheMeshsServicesAndInstances() throws Exception {
        try (ConfigurableApplicationContext orders = new SpringApplicationBuilder(OrdersApplication.class)
                        .web(WebApplicationType.NONE)
                        .properties(properties("orders"))
                        .properties("mesh.instance-id=orders-1", "mesh.zone=eu-1", "mesh.metadata.version=v2")
                        .run();
                ConfigurableApplicationContext frontend = new SpringApplicationBuilder(FrontendApplication.class)
                        .web(WebApplicationType.NONE)
                        .properties(properties("frontend"))
                        .run()) {
            assertThat(frontend.getBean(MeshDiscoveryClient.class).description())
                    .isEqualTo("mesh4j registry " + registry.uri());
            // The one Spring Cloud applications inject: the composite of every discovery client.
            final DiscoveryClient discovery = frontend.getBean(DiscoveryClient.class);

            assertThat(discovery.getServices()).contains("orders");
            final List<ServiceInstance> instances = discovery.getInstances("orders");
            assertThat(instances).hasSize(1);
            final ServiceInstance instance = instances.get(0);
            assertThat(instance.getInstanceId()).isEqualTo("orders-1");
            assertThat(instance.getServiceId()).isEqualTo("orders");
            assertThat(instance.getHost()).isEqualTo("127.0.0.1");
            assertThat(instance.getPort())
                    .isEqualTo(orders.getBean(MeshServer.class).port());
            assertThat(instance.isSecure()).as("mTLS").isTrue();
            assertThat(instance.getMetadata()).containsEntry("version", "v2").containsEntry("zone", "eu-1");

            // A service nobody serves, and a name no service can have: no instance, as Spring Cloud answers.
            assertThat(discovery.getInstances("payments")).isEmpty();
            assertThat(discovery.getInstances("Not_A_Service")).isEmpty();
        }
    }
}
