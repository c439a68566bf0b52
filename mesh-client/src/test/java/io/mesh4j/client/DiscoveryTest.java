package io.mesh4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpStatus;

import io.mesh4j.client.internal.ClientAccess;
import io.mesh4j.client.internal.discovery.RegistryEndpointGroup;
import io.mesh4j.core.discovery.ServiceName;

class DiscoveryTest {

    @RegisterExtension
    final RegistryExtension registry = new RegistryExtension();

    private MeshClient mesh;

    @BeforeEach
    void start() {
        mesh = MeshClient.builder(registry.uri()).plaintext().build();
    }

    @AfterEach
    void stop() {
        mesh.close();
    }

    @Test
    void startsSendingToANewInstanceAndStopsSendingToADeregisteredOne() {
        try (Backend first = Backend.start(registry.client(), "orders", "orders-1", Backend.ok("1"));
                Backend second = Backend.start(registry.client(), "orders", "orders-2", Backend.ok("2"))) {
            second.deregister();
            final WebClient orders = mesh.webClient("orders");
            sendAll(orders, 20);
            assertThat(second.hits).hasValue(0);

            second.register(100);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                sendAll(orders, 10);
                assertThat(second.hits.get()).isPositive();
            });

            first.deregister();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> mesh.endpoints(ServiceName.of("orders")).size() == 1);
            final int firstHits = first.hits.get();
            sendAll(orders, 50);
            assertThat(first.hits).hasValue(firstHits);
        }
    }

    @Test
    void keepsServingFromLastKnownEndpointsWhenTheRegistryIsGone() {
        try (Backend first = Backend.start(registry.client(), "orders", "orders-1", Backend.ok("1"));
                Backend second = Backend.start(registry.client(), "orders", "orders-2", Backend.ok("2"))) {
            final WebClient orders = mesh.webClient("orders");
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> mesh.endpoints(ServiceName.of("orders")).size() == 2);

            registry.stop();
            final RegistryEndpointGroup discovered = ClientAccess.INTERNALS
                    .get(mesh)
                    .endpoints()
                    .apply(ServiceName.of("orders"))
                    .orElseThrow()
                    .discovered();
            await().atMost(Duration.ofSeconds(5)).until(discovered::isServingLastKnown);

            sendAll(orders, 100);
            assertThat(first.hits.get() + second.hits.get()).isEqualTo(100);
            assertThat(discovered.endpoints()).hasSize(2);
        }
    }

    @Test
    void aCallMadeBeforeTheFirstInstanceRegistersWaitsForIt() throws Exception {
        final WebClient inventory = mesh.webClient("inventory");
        final CompletableFuture<AggregatedHttpResponse> early =
                inventory.get("/").aggregate();

        try (Backend backend = Backend.start(registry.client(), "inventory", "inventory-1", Backend.ok("here"))) {
            assertThat(early.get().contentUtf8()).isEqualTo("here");
        }
    }

    @Test
    void refusesAServiceNameThatIsNotADns1123Label() {
        assertThatThrownBy(() -> mesh.webClient("Orders_Service"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: a DNS-1123 label");
    }

    static void sendAll(WebClient client, int count) {
        for (int i = 0; i < count; i++) {
            assertThat(client.get("/").aggregate().join().status()).isEqualTo(HttpStatus.OK);
        }
    }
}
