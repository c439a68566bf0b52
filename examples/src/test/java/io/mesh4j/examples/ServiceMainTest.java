package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.Endpoint;

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.examples.demo.ChildJvm;
import io.mesh4j.examples.services.Inventory;

/**
 * {@code ServiceMain} as it runs in a Kubernetes pod (deploy/kubernetes/sample-app): on the port its Service names
 * ({@code --port}), registered at the address others reach it by ({@code --advertised-host}, the pod's IP there; a
 * second loopback address here).
 */
class ServiceMainTest {

    @TempDir
    Path dataDir;

    @TempDir
    Path logDir;

    private LocalMesh local;

    @BeforeEach
    void start() {
        local = LocalMesh.start(dataDir);
    }

    @AfterEach
    void stop() throws Exception {
        local.close();
    }

    @Test
    void servesOnTheGivenPortAndRegistersTheAdvertisedHost() throws IOException {
        final int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        final MeshClient caller = local.closeLater(MeshClient.builder(local.uri())
                .identity(local.identity("frontend"))
                .build());
        try (ChildJvm inventory = ServiceProcesses.start(
                "inventory",
                "inventory-pod-1",
                local.registry(),
                logDir,
                List.of("--port", String.valueOf(port), "--advertised-host", "127.0.0.2"))) {
            assertThat(inventory.readyGroup(Pattern.compile("serving on port (\\d+)")))
                    .isEqualTo(String.valueOf(port));
            // The client watches a service once it has a client of it.
            caller.webClient(Inventory.SERVICE);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> caller.endpoints(ServiceName.of("inventory")).size() == 1);
            final Endpoint registered =
                    caller.endpoints(ServiceName.of("inventory")).get(0);
            assertThat(registered.host()).isEqualTo("127.0.0.2");
            assertThat(registered.port()).isEqualTo(port);
        }
    }
}
