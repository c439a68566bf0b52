package io.mesh4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.SimpleDecoratingHttpService;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.stack.AbstractLayer;
import io.mesh4j.core.stack.Role;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.registry.MeshRegistry;

/** The one lifecycle, builders as snapshots, and stack parameters a layer declares, on a real server. */
class LifecycleAndBuilderTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");

    /** A parameter with no default, which the layer below declares it needs. */
    private static final StackParams.Key<String> GREETING = StackParams.Key.required("greeting");

    @TempDir
    Path dataDir;

    private static MeshServerBuilder orders(URI registry) {
        return MeshServer.builder("orders", registry)
                .plaintext()
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .service("/", (ctx, req) -> HttpResponse.of("orders"));
    }

    @Test
    void aSecondStartIsTheFirstAndAStoppedServerDoesNotStartAgain() {
        try (MeshRegistry registry = Registries.start(dataDir)) {
            final MeshServer server = orders(registry.uri()).build();
            final CompletableFuture<MeshServer> started = server.start();
            assertThat(server.start()).isSameAs(started);
            assertThat(started.join()).isSameAs(server);

            final CompletableFuture<Void> stopped = server.stop();
            assertThat(server.stop()).isSameAs(stopped);
            stopped.join();
            server.close(); // a no-op now
            assertThatThrownBy(server::start)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("stopped");
        }
    }

    @Test
    void aBuiltServerKeepsWhatItWasBuiltWithWhenItsBuilderChanges() {
        try (MeshRegistry registry = Registries.start(dataDir)) {
            final MeshServerBuilder builder =
                    orders(registry.uri()).zone("eu-1a").metadata("version", "1");
            final MeshServer first = builder.build();
            final MeshServer second = builder.build();
            // Changed after build(): neither server may see it.
            builder.zone("us-1a").metadata("version", "2").instanceId("changed-later");
            assertThat(first.instanceId()).isNotEqualTo(second.instanceId());
            assertThat(first.instanceId().value()).startsWith("orders-");

            first.start().join();
            try {
                final RegistryClient client = RegistryClient.of(registry.uri());
                assertThat(client.instances(ORDERS).join().instances())
                        .singleElement()
                        .satisfies(instance -> {
                            assertThat(instance.id()).isEqualTo(first.instanceId());
                            assertThat(instance.zone()).isEqualTo("eu-1a");
                            assertThat(instance.metadata()).containsEntry("version", "1");
                        });
            } finally {
                first.close();
                second.close();
            }
        }
    }

    @Test
    void aLayerThatNeedsAParameterNobodySetFailsTheBuildNamingIt() {
        final MeshServerBuilder builder =
                orders(URI.create("http://127.0.0.1:1")).stack(stack -> stack.append(new GreetingLayer()));
        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("GREETING")
                .hasMessageContaining("'greeting'")
                .hasMessageContaining("MeshServerBuilder.stackParam(..)");
    }

    @Test
    void aLayerReadsTheParameterTheBuilderWasGiven() {
        try (MeshRegistry registry = Registries.start(dataDir);
                MeshServer server = orders(registry.uri())
                        .stack(stack -> stack.append(new GreetingLayer()))
                        .stackParam(GREETING, "hello")
                        .build()) {
            final int port =
                    server.start().thenCompose(unused -> server.whenServing()).join();
            final String greeting = WebClient.of("http://127.0.0.1:" + port)
                    .get("/")
                    .aggregate()
                    .join()
                    .headers()
                    .get("x-greeting");
            assertThat(greeting).isEqualTo("hello");
        }
    }

    /** Stamps every answer with the greeting it was given as a stack parameter. */
    private static final class GreetingLayer extends AbstractLayer<HttpService> {

        GreetingLayer() {
            super(Role.of("GREETING"), GREETING);
        }

        @Override
        public Function<? super HttpService, ? extends HttpService> decorator(StackParams params) {
            final String greeting = params.get(GREETING);
            return delegate -> new SimpleDecoratingHttpService(delegate) {
                @Override
                public HttpResponse serve(
                        com.linecorp.armeria.server.ServiceRequestContext ctx,
                        com.linecorp.armeria.common.HttpRequest req)
                        throws Exception {
                    return unwrap().serve(ctx, req)
                            .mapHeaders(headers -> headers.toBuilder()
                                    .set("x-greeting", greeting)
                                    .build());
                }
            };
        }
    }
}
