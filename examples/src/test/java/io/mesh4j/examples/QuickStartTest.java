package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.client.MeshClient;
import io.mesh4j.client.policy.ClientPolicy;
import io.mesh4j.client.retry.RetryConfig;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.server.MeshServer;

/** The README's quick start, as written there, so that it cannot rot. */
class QuickStartTest {

    @TempDir
    Path dataDir;

    @Test
    void theReadmesQuickStartWorks() {
        try (MeshRegistry running = MeshRegistry.builder().host("127.0.0.1").port(0).dataDir(dataDir).build()) {
            running.start();
            final URI registry = running.uri();

            // ---- from the README
            // orders: serves, registers itself, heartbeats, and on stop deregisters, drains and closes.
            MeshServer orders = MeshServer.builder("orders", registry)
                    .service("/orders/{id}", (ctx, req) -> HttpResponse.of("order " + ctx.pathParam("id")))
                    .build();
            orders.start().join();                      // serving and registered

            // frontend: a client for the service name, not for a host.
            MeshClient mesh = MeshClient.builder(registry).build();
            WebClient ordersClient = mesh.webClient("orders");
            String body = ordersClient.get("/orders/42").aggregate().join().contentUtf8();

            // Per-service values (timeouts, retries, breakers) are looked up per call and can be replaced live:
            mesh.policies().replace(ServiceName.of("orders"), ClientPolicy.builder()
                    .timeout(Duration.ofSeconds(2))
                    .retry(RetryConfig.builder().maxAttempts(2).build())
                    .build());

            orders.stop().join();
            mesh.close();
            // ---- end of the README's code

            assertThat(body).isEqualTo("order 42");
        }
    }
}
