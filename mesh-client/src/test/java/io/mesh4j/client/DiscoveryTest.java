package io.mesh4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.linecorp.armeria.client.UnprocessedRequestException;
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
            final RegistryEndpointGroup discovered = java.util.Objects.requireNonNull(ClientAccess.INTERNALS
                    .get(mesh)
                    .endpoints()
                    .apply(ServiceName.of("orders"))
                    .orElseThrow()
                    .registry());
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
    @Timeout(value = 20, threadMode = ThreadMode.SEPARATE_THREAD)
    void aWebClientCallWhoseEndpointsNeverArriveFailsAtItsTimeoutNamingTheServiceAndTheUnreachableRegistry()
            throws IOException {
        final URI nowhere = URI.create("http://127.0.0.1:" + portNobodyListensOn());
        try (MeshClient lost = MeshClient.builder(nowhere).plaintext().build()) {
            assertThat(failureOfACallWithin(lost, Duration.ofMillis(300)))
                    .hasMessageContaining("no endpoint of orders")
                    .hasMessageContaining("registry " + nowhere + " cannot be reached");
        }
    }

    @Test
    @Timeout(value = 20, threadMode = ThreadMode.SEPARATE_THREAD)
    void aWebClientCallToARegistryThatNeverAnswersFailsAtItsTimeoutSayingSo() throws IOException {
        // A port that accepts connections (the kernel does, into the backlog) and never answers.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                MeshClient waiting = MeshClient.builder(URI.create("http://127.0.0.1:" + silent.getLocalPort()))
                        .plaintext()
                        .build()) {
            assertThat(failureOfACallWithin(waiting, Duration.ofMillis(300)))
                    .hasMessageContaining("no endpoint of orders")
                    .hasMessageContaining("has not answered yet");
        }
    }

    @Test
    @Timeout(value = 20, threadMode = ThreadMode.SEPARATE_THREAD)
    void aWebClientCallToAServiceWithNoInstanceFailsAtItsTimeoutSayingTheRegistryListsNone() {
        // Time enough for the registry to answer that it knows no instance.
        assertThat(failureOfACallWithin(mesh, Duration.ofMillis(1500)))
                .hasMessageContaining("no endpoint of orders")
                .hasMessageContaining("no instance of orders is registered in the registry " + registry.uri());
    }

    /**
     * Calls orders through {@code client} with {@code timeout}, and returns why the call failed, once it is checked
     * to have failed with a {@link NoEndpointException} inside Armeria's {@link UnprocessedRequestException} (nothing
     * was sent), within the timeout and a margin.
     */
    private static NoEndpointException failureOfACallWithin(MeshClient client, Duration timeout) {
        final long start = System.nanoTime();
        final Throwable failure = catchThrowable(() -> client.webClient("orders")
                .prepare()
                .get("/")
                .responseTimeout(timeout)
                .execute()
                .aggregate()
                .join());
        final Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took).as("time until the call failed").isLessThan(timeout.plusSeconds(1));
        assertThat(failure).isInstanceOf(CompletionException.class);
        assertThat(failure.getCause()).isInstanceOf(UnprocessedRequestException.class);
        assertThat(failure.getCause().getCause()).isInstanceOf(NoEndpointException.class);
        final NoEndpointException noEndpoint =
                (NoEndpointException) failure.getCause().getCause();
        assertThat(noEndpoint.service()).isEqualTo(ServiceName.of("orders"));
        return noEndpoint;
    }

    private static int portNobodyListensOn() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
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
