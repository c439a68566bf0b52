package io.mesh4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.github.benmanes.caffeine.cache.Ticker;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.SimpleDecoratingHttpClient;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.client.policy.ClientPolicy;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.stack.AbstractLayer;
import io.mesh4j.core.stack.CommonParams;
import io.mesh4j.core.stack.Role;
import io.mesh4j.core.stack.StackParams;

/** The one lifecycle, builders as snapshots, and stack parameters a layer declares, on a real client. */
class LifecycleAndBuilderTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");

    /** A parameter with no default, which the layer below declares it needs. */
    private static final StackParams.Key<String> CALLER_NOTE = StackParams.Key.required("callerNote");

    @RegisterExtension
    final RegistryExtension registry = new RegistryExtension();

    @Test
    void aSecondStartIsTheFirstAndAStoppedClientCallsNoMore() {
        final MeshClient mesh = MeshClient.builder(registry.uri()).plaintext().build();
        final CompletableFuture<MeshClient> started = mesh.start();
        assertThat(mesh.start()).isSameAs(started);
        assertThat(started.join()).isSameAs(mesh);

        final CompletableFuture<Void> stopped = mesh.stop();
        assertThat(mesh.stop()).isSameAs(stopped);
        mesh.close(); // a no-op now
        assertThatThrownBy(mesh::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("stopped");
        assertThatThrownBy(() -> mesh.webClient("orders"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("stopped");
    }

    @Test
    void aBuiltClientKeepsItsPoliciesWhenItsBuilderChanges() {
        final ClientPolicy patient =
                ClientPolicy.builder().timeout(Duration.ofSeconds(7)).build();
        final ClientPolicy hasty =
                ClientPolicy.builder().timeout(Duration.ofMillis(5)).build();
        final MeshClientBuilder builder =
                MeshClient.builder(registry.uri()).plaintext().policy("orders", patient);
        try (MeshClient first = builder.build()) {
            builder.policy("orders", hasty).defaultPolicy(hasty);
            try (MeshClient second = builder.build()) {
                assertThat(first.policies().policyFor(ORDERS)).isSameAs(patient);
                assertThat(first.policies().policyFor(ServiceName.of("inventory")))
                        .isSameAs(ClientPolicy.ofDefaults());
                assertThat(second.policies().policyFor(ORDERS)).isSameAs(hasty);
                // And the other way round: a live change to one client's policies is that client's alone.
                second.policies().replace(ORDERS, patient);
                try (MeshClient third = builder.build()) {
                    assertThat(third.policies().policyFor(ORDERS)).isSameAs(hasty);
                }
            }
        }
    }

    @Test
    void aLayerThatNeedsAParameterNobodySetFailsTheBuildNamingIt() {
        final MeshClientBuilder builder =
                MeshClient.builder(registry.uri()).plaintext().stack(stack -> stack.append(new NoteLayer()));
        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NOTE")
                .hasMessageContaining("'callerNote'")
                .hasMessageContaining("MeshClientBuilder.stackParam(..)");
    }

    @Test
    void aParameterTheMeshSetsItselfIsRefusedRatherThanSilentlyOverwritten() {
        assertThatThrownBy(
                        () -> MeshClient.builder(registry.uri()).stackParam(CommonParams.TICKER, Ticker.systemTicker()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'ticker' is set by the mesh itself")
                .hasMessageContaining("ticker(..)");
    }

    @Test
    void aLayerReadsTheParameterTheBuilderWasGiven() {
        try (Backend orders = Backend.start(
                        registry.client(),
                        "orders",
                        "orders-1",
                        (ctx, req) ->
                                HttpResponse.of(String.valueOf(req.headers().get("x-caller-note"))));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .stack(stack -> stack.append(new NoteLayer()))
                        .stackParam(CALLER_NOTE, "from the test")
                        .build()) {
            final WebClient client = mesh.webClient("orders");
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> mesh.endpoints(ORDERS).size() == 1);
            assertThat(client.get("/").aggregate().join().contentUtf8()).isEqualTo("from the test");
        }
    }

    /** Writes the note it was given as a stack parameter into every attempt's headers. */
    private static final class NoteLayer extends AbstractLayer<HttpClient> {

        NoteLayer() {
            super(Role.perAttempt("NOTE"), CALLER_NOTE);
        }

        @Override
        public Function<? super HttpClient, ? extends HttpClient> decorator(StackParams params) {
            final String note = params.get(CALLER_NOTE);
            return delegate -> new SimpleDecoratingHttpClient(delegate) {
                @Override
                public HttpResponse execute(com.linecorp.armeria.client.ClientRequestContext ctx, HttpRequest req)
                        throws Exception {
                    final HttpRequest noted = req.withHeaders(
                            req.headers().toBuilder().set("x-caller-note", note).build());
                    ctx.updateRequest(noted);
                    return unwrap().execute(ctx, noted);
                }
            };
        }
    }
}
