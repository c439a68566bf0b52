package io.mesh4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.registry.MeshRegistry;

class GracefulStopTest {

    @TempDir
    Path dataDir;

    @Test
    void deregistersFirstThenDrainsThenLetsRequestsInFlightFinish() throws Exception {
        try (MeshRegistry registry = Registries.start(dataDir)) {
            final RegistryClient registryClient = RegistryClient.of(registry.uri());
            final CountDownLatch slowRequestArrived = new CountDownLatch(1);
            final MeshServer server = MeshServer.builder("orders", registry.uri())
                    .plaintext()
                    .advertisedHost("127.0.0.1")
                    .drainPeriod(Duration.ofMillis(500))
                    .service("/slow", (ctx, req) -> {
                        slowRequestArrived.countDown();
                        return HttpResponse.delayed(HttpResponse.of("done"), Duration.ofMillis(1500));
                    })
                    .service("/", (ctx, req) -> HttpResponse.of("ok"))
                    .build();
            server.start().join();
            final WebClient direct = WebClient.of("http://127.0.0.1:" + server.port());
            final CompletableFuture<AggregatedHttpResponse> inFlight =
                    direct.get("/slow").aggregate();
            slowRequestArrived.await();

            final CompletableFuture<Void> stopped = server.stop();

            // Deregistered at once, while still answering during the drain period.
            await().atMost(Duration.ofSeconds(1))
                    .until(() -> registryClient
                            .instances(ServiceName.of("orders"))
                            .join()
                            .instances()
                            .isEmpty());
            assertThat(direct.get("/").aggregate().join().contentUtf8()).isEqualTo("ok");
            assertThat(stopped).isNotDone();

            // The request in flight finishes before the listener closes.
            assertThat(inFlight.join().contentUtf8()).isEqualTo("done");
            stopped.join();
            assertThat(server.armeriaServer().activePorts()).isEmpty();
        }
    }
}
