package io.mesh4j.core.internal.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.Server;

import io.mesh4j.core.discovery.ServiceName;

/**
 * A {@link RegistryClient} whose client factory is still being built, as a workload's is while it starts (its
 * identity builds the factory on a thread of its own): calls made meanwhile wait for the factory and are sent once
 * it is in, a call cancelled meanwhile is never sent, and a factory that failed fails the calls with its cause.
 * Against a real HTTP server on loopback that counts what it is asked.
 */
class RegistryClientBuildingTest {

    private final AtomicInteger calls = new AtomicInteger();
    private final Server registry = Server.builder()
            .localPort(0, SessionProtocol.HTTP)
            .serviceUnder("/", (ctx, req) -> {
                calls.incrementAndGet();
                return HttpResponse.of(
                        ResponseHeaders.builder(HttpStatus.OK)
                                .contentType(MediaType.JSON_UTF_8)
                                .set(RegistryClient.INDEX_HEADER, "7")
                                .build(),
                        HttpData.ofUtf8("{\"services\":[]}"));
            })
            .build();
    private final ClientFactory factory = ClientFactory.builder().build();

    @AfterEach
    void stop() {
        registry.closeAsync();
        factory.closeAsync();
    }

    private URI start() {
        registry.start().join();
        return URI.create("http://127.0.0.1:" + registry.activeLocalPort());
    }

    @Test
    void aCallMadeBeforeTheFactoryIsBuiltIsSentOnceItIs() {
        final URI uri = start();
        final CompletableFuture<ClientFactory> building = new CompletableFuture<>();
        final RegistryClient client = RegistryClient.of(List.of(uri), building);

        final CompletableFuture<List<ServiceSummary>> services = client.services();
        assertThat(client.uri()).isEqualTo(uri);
        assertThat(client.failovers()).isZero();
        // Nothing can have been sent: there is no factory to send it with.
        assertThat(services).isNotDone();
        assertThat(calls).hasValue(0);

        building.complete(factory);
        assertThat(services.join()).isEmpty();
        assertThat(calls).hasValue(1);
        assertThat(client.uri()).isEqualTo(uri);
    }

    @Test
    void aCallCancelledBeforeTheFactoryIsBuiltIsNeverSent() {
        final URI uri = start();
        final CompletableFuture<ClientFactory> building = new CompletableFuture<>();
        final RegistryClient client = RegistryClient.of(List.of(uri), building);

        final CompletableFuture<?> watch = client.watch(ServiceName.of("orders"), 3, Duration.ofSeconds(30));
        watch.cancel(false);
        // Completing the factory runs what waited for it, here and now: the cancelled watch is dropped.
        building.complete(factory);

        client.services().join();
        assertThat(calls).as("only the call made after the cancelled one").hasValue(1);
    }

    @Test
    void aFactoryThatFailedFailsTheCallsWithItsCause() {
        final URI uri = start();
        final CompletableFuture<ClientFactory> building = new CompletableFuture<>();
        final RegistryClient client = RegistryClient.of(List.of(uri), building);

        final CompletableFuture<?> before = client.services();
        building.completeExceptionally(new IllegalStateException("no TLS engine"));

        assertThatThrownBy(before::join)
                .isInstanceOf(CompletionException.class)
                .hasRootCauseInstanceOf(IllegalStateException.class)
                .hasRootCauseMessage("no TLS engine");
        assertThatThrownBy(() -> client.services().join()).hasRootCauseMessage("no TLS engine");
        assertThat(calls).hasValue(0);
    }
}
