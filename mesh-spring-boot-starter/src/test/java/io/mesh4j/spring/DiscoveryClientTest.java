package io.mesh4j.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;
import org.springframework.cloud.client.discovery.composite.reactive.ReactiveCompositeDiscoveryClient;
import org.springframework.context.ConfigurableApplicationContext;

import io.mesh4j.server.MeshServer;
import io.mesh4j.spring.apps.frontend.FrontendApplication;
import io.mesh4j.spring.apps.orders.OrdersApplication;
import io.mesh4j.spring.discovery.MeshDiscoveryClient;
import io.mesh4j.spring.discovery.MeshReactiveDiscoveryClient;

/**
 * An application with Spring Cloud Commons finds the mesh's services through Spring Cloud's own
 * {@link DiscoveryClient} (the composite one every Spring Cloud application injects), and with Reactor through its
 * {@link ReactiveDiscoveryClient} too: the services registered in a real registry, each instance with its id,
 * address, mesh port and metadata; and, once the registry is gone, the last-known endpoints of the services the
 * application calls.
 */
class DiscoveryClientTest {

    @RegisterExtension
    final TestRegistry mesh = new TestRegistry();

    @Test
    void springCloudsDiscoveryClientsSeeTheMeshsServicesAndInstances() throws Exception {
        try (ConfigurableApplicationContext orders = new SpringApplicationBuilder(OrdersApplication.class)
                        .web(WebApplicationType.NONE)
                        .properties(mesh.properties("orders"))
                        .properties("mesh.instance-id=orders-1", "mesh.zone=eu-1", "mesh.metadata.version=v2")
                        .run();
                ConfigurableApplicationContext frontend = new SpringApplicationBuilder(FrontendApplication.class)
                        .web(WebApplicationType.NONE)
                        .properties(mesh.properties("frontend"))
                        .run()) {
            assertThat(frontend.getBean(MeshDiscoveryClient.class).description())
                    .isEqualTo("mesh4j registry " + mesh.registry().uri());
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

            // The reactive one, the composite of every reactive discovery client, answers the same.
            final ReactiveDiscoveryClient reactive = frontend.getBean(ReactiveDiscoveryClient.class);
            assertThat(reactive).isInstanceOf(ReactiveCompositeDiscoveryClient.class);
            assertThat(frontend.getBean(MeshReactiveDiscoveryClient.class).description())
                    .isEqualTo("mesh4j registry " + mesh.registry().uri());
            assertThat(reactive.getServices().collectList().block()).contains("orders");
            final List<ServiceInstance> reactiveInstances =
                    reactive.getInstances("orders").collectList().block();
            assertThat(reactiveInstances).hasSize(1);
            assertThat(reactiveInstances.get(0).getInstanceId()).isEqualTo("orders-1");
            assertThat(reactiveInstances.get(0).getPort()).isEqualTo(instance.getPort());
            assertThat(reactiveInstances.get(0).getMetadata())
                    .containsEntry("version", "v2")
                    .containsEntry("zone", "eu-1");
            assertThat(reactive.getInstances("payments").collectList().block()).isEmpty();
            assertThat(reactive.getInstances("Not_A_Service").collectList().block())
                    .isEmpty();

            // With the registry gone, both answer with what the frontend's mesh client last heard of the services it
            // calls (orders, whose watch its OrdersClient started), rather than empty lists.
            mesh.registry().close();
            assertThat(discovery.getServices()).containsExactly("orders");
            assertThat(discovery.getInstances("orders")).singleElement().satisfies(known -> {
                assertThat(known.getInstanceId()).isEqualTo("orders-1");
                assertThat(known.getPort()).isEqualTo(instance.getPort());
            });
            assertThat(reactive.getServices().collectList().block()).containsExactly("orders");
            assertThat(reactive.getInstances("orders").collectList().block())
                    .singleElement()
                    .satisfies(known -> assertThat(known.getInstanceId()).isEqualTo("orders-1"));
        }
    }
}
