package io.mesh4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.core.authz.DefaultPolicy;
import io.mesh4j.core.discovery.Instance;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.registry.MeshRegistry;

class RegistrationTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");

    @TempDir
    Path dataDir;

    @TempDir
    Path otherDataDir;

    private static MeshServerBuilder orders(URI registry) {
        return MeshServer.builder("orders", registry)
                .plaintext()
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .service("/", (ctx, req) -> HttpResponse.of("orders"));
    }

    private static List<Instance> instances(RegistryClient registry) {
        return registry.instances(ORDERS).join().instances();
    }

    @Test
    void registersItselfWhenItStartsAndDeregistersWhenItStops() {
        try (MeshRegistry registry = Registries.start(dataDir)) {
            final RegistryClient registryClient = RegistryClient.of(registry.uri());
            final MeshServer server = orders(registry.uri())
                    .instanceId("orders-1")
                    .zone("eu-1a")
                    .weight(30)
                    .metadata("version", "1.4")
                    .build();

            server.start().join();

            assertThat(instances(registryClient)).singleElement().satisfies(instance -> {
                assertThat(instance.id().value()).isEqualTo("orders-1");
                assertThat(instance.host()).isEqualTo("127.0.0.1");
                assertThat(instance.port()).isEqualTo(server.port());
                assertThat(instance.zone()).isEqualTo("eu-1a");
                assertThat(instance.weight()).isEqualTo(30);
                assertThat(instance.metadata()).containsEntry("version", "1.4");
            });

            server.stop().join();
            assertThat(instances(registryClient)).isEmpty();
        }
    }

    @Test
    void heartbeatsKeepItRegisteredLongPastItsTtl() {
        try (MeshRegistry registry = Registries.start(dataDir)) {
            final RegistryClient registryClient = RegistryClient.of(registry.uri());
            try (MeshServer server =
                    orders(registry.uri()).ttl(Duration.ofSeconds(1)).build()) {
                server.start().join();

                await().during(Duration.ofMillis(2500))
                        .atMost(Duration.ofSeconds(4))
                        .until(() -> instances(registryClient).size() == 1);
            }
        }
    }

    @Test
    void registersAgainWhenTheRegistryForgetsIt() {
        try (MeshRegistry registry = Registries.start(dataDir)) {
            final RegistryClient registryClient = RegistryClient.of(registry.uri());
            try (MeshServer server =
                    orders(registry.uri()).ttl(Duration.ofSeconds(3)).build()) {
                server.start().join();

                // As if it had expired during a partition: the next heartbeat gets a 404.
                registryClient.deregister(ORDERS, server.instanceId()).join();
                assertThat(instances(registryClient)).isEmpty();

                await().atMost(Duration.ofSeconds(5))
                        .until(() -> instances(registryClient).size() == 1);
            }
        }
    }

    @Test
    void registersAgainWithARegistryThatCameBackWithoutItsData() {
        final MeshRegistry first = Registries.start(dataDir);
        final int port = first.port();
        try (MeshServer server = orders(first.uri()).ttl(Duration.ofSeconds(3)).build()) {
            server.start().join();
            first.close();

            try (MeshRegistry second = Registries.start(otherDataDir, port)) {
                final RegistryClient registryClient = RegistryClient.of(second.uri());
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> instances(registryClient).size() == 1);
                assertThat(instances(registryClient).get(0).id()).isEqualTo(server.instanceId());
            }
        }
    }

    @Test
    void servesWhileTheRegistryIsAwayAndRegistersWhenItArrives() throws Exception {
        final int port = freePort();
        final URI registryUri = URI.create("http://127.0.0.1:" + port);
        // Allows until the registry answers: this mesh is not zero-trust, and the test is about serving at all.
        try (MeshServer server = orders(registryUri)
                .ttl(Duration.ofSeconds(3))
                .defaultPolicyUntilKnown(DefaultPolicy.ALLOW)
                .build()) {
            final CompletableFuture<MeshServer> registered = server.start();

            final int serverPort = server.whenServing().join();
            assertThat(WebClient.of("http://127.0.0.1:" + serverPort)
                            .get("/")
                            .aggregate()
                            .join()
                            .contentUtf8())
                    .isEqualTo("orders");
            assertThat(registered).isNotDone();

            try (MeshRegistry registry = Registries.start(dataDir, port)) {
                registered.get();
                assertThat(instances(RegistryClient.of(registry.uri()))).hasSize(1);
            }
        }
    }

    @Test
    void refusesABadRegistrationWhenBuiltWithTheRegistrysOwnMessage() {
        assertThatThrownBy(
                        () -> orders(URI.create("http://127.0.0.1:1")).weight(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("weight: 0 (expected: 1..10000; the default is 100)");
        assertThatThrownBy(() -> orders(URI.create("http://127.0.0.1:1"))
                        .ttl(Duration.ofMillis(1500))
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ttlSeconds");
        assertThatThrownBy(() -> MeshServer.builder("Orders", URI.create("http://127.0.0.1:1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("DNS-1123");
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
