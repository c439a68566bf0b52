package io.mesh4j.core.internal.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.SimpleDecoratingHttpClient;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.testing.junit5.server.ServerExtension;

import io.mesh4j.core.classify.ResponseClass;
import io.mesh4j.core.classify.ResponseClassifier;
import io.mesh4j.core.stack.AbstractLayer;
import io.mesh4j.core.stack.Layer;
import io.mesh4j.core.stack.Role;
import io.mesh4j.core.stack.Stack;
import io.mesh4j.core.stack.StackParams;

/** Passes run against a real Armeria server: what a fused run of layers must do exactly as decorators would. */
class PassTest {

    @RegisterExtension
    static final ServerExtension server = new ServerExtension() {
        @Override
        protected void configure(ServerBuilder sb) {
            // Answers with the headers the layers wrote, so that the test sees what went on the wire.
            sb.service("/echo", (ctx, req) -> {
                served.incrementAndGet();
                return HttpResponse.of(String.valueOf(req.headers().get("x-a"))
                        + ','
                        + req.headers().get("x-b")
                        + ','
                        + req.headers().get("x-seen-by-b"));
            });
        }
    };

    static final AtomicInteger served = new AtomicInteger();

    /** What the layers did, in order: {@code A>} on the way down, {@code A<} on completion. */
    private final Queue<String> events = new ConcurrentLinkedQueue<>();

    /** The status each completed log recorded, as the layers above the answer saw it. */
    private final Queue<Integer> loggedStatuses = new ConcurrentLinkedQueue<>();

    private final AtomicInteger classified = new AtomicInteger();
    private final ResponseClassifier countingClassifier = (method, status, cause) -> {
        classified.incrementAndGet();
        return ResponseClassifier.ofDefault().classify(method, status, cause);
    };

    @BeforeEach
    void reset() {
        served.set(0);
    }

    @Test
    void fusedLayersWriteTheirHeadersOnceAndSeeEachOthersWrites() {
        final Stack<HttpClient> stack = Stack.of(writing("A", "x-a"), writing("B", "x-b"));
        assertThat(Passes.describe(stack, List.of()))
                .extracting(Passes.Part::text)
                .containsExactly("[A + B]");

        final AggregatedHttpResponse answer =
                client(stack).get("/echo").aggregate().join();

        assertThat(answer.contentUtf8()).isEqualTo("A,B,A");
        await().untilAsserted(() -> assertThat(events).containsExactly("A>", "B>", "A<", "B<"));
        assertThat(classified).as("one classification for both observers").hasValue(1);
    }

    @Test
    void aLayerThatAnswersStopsTheWalkAndOnlyTheLayersAboveItHearOfTheEnd() {
        final Stack<HttpClient> stack =
                Stack.of(writing("A", "x-a"), answering("GATE", HttpStatus.FORBIDDEN), writing("B", "x-b"));

        final AggregatedHttpResponse answer =
                client(stack).get("/echo").aggregate().join();

        assertThat(answer.status()).isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(served).as("nothing below the answering layer ran").hasValue(0);
        // Armeria's client logs what its transport writes: the pass logs an answer made above it, or the layers
        // above would never hear of the end.
        await().untilAsserted(() -> assertThat(events).containsExactly("A>", "GATE>", "A<"));
        assertThat(loggedStatuses).containsExactly(403);
    }

    @Test
    void aPlainLayerBetweenFusedOnesSplitsThePassAndRunsInItsPlace() {
        final Layer<HttpClient> user = Layer.of(Role.of("USER"), delegate -> new SimpleDecoratingHttpClient(delegate) {
            @Override
            public HttpResponse execute(ClientRequestContext ctx, HttpRequest req) throws Exception {
                events.add("USER>");
                return unwrap().execute(ctx, req);
            }
        });
        final Stack<HttpClient> stack = Stack.of(writing("A", "x-a"), user, writing("B", "x-b"));
        assertThat(Passes.describe(stack, List.of()))
                .extracting(Passes.Part::text)
                .containsExactly("[A]", "USER", "[B]");

        assertThat(client(stack).get("/echo").aggregate().join().contentUtf8()).isEqualTo("A,B,A");
        await().untilAsserted(() -> assertThat(events).startsWith("A>", "USER>", "B>"));
    }

    @Test
    void aPerCallLayerAndAPerAttemptOneNeverShareAPass() {
        final Stack<HttpClient> stack = Stack.of(writing("A", "x-a"), writing(Role.perAttempt("B"), "x-b"));
        assertThat(Passes.describe(stack, List.of(Role.perAttempt("BELOW"))))
                .containsExactly(
                        new Passes.Part("[A]", Role.Scope.PER_CALL),
                        new Passes.Part("[B + BELOW]", Role.Scope.PER_ATTEMPT));
    }

    @Test
    void aDelayedLayerLetsTheRestOfThePassRunLater() {
        final Layer<HttpClient> delaying = fused(Role.of("DELAY"), (ctx, exchange) -> {
            events.add("DELAY>");
            return HttpResponse.delayed(exchange.rest(), Duration.ofMillis(50), ctx.eventLoop());
        });
        final Stack<HttpClient> stack = Stack.of(writing("A", "x-a"), delaying, writing("B", "x-b"));

        final long start = System.nanoTime();
        assertThat(client(stack).get("/echo").aggregate().join().contentUtf8()).isEqualTo("A,B,A");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(50));
        await().untilAsserted(() -> assertThat(events).containsExactly("A>", "DELAY>", "B>", "A<", "B<"));
    }

    @Test
    void aLayerAfterADelayedOneMayStillAnswerAndTheAnswerIsLogged() {
        final Layer<HttpClient> delaying = fused(Role.of("DELAY"), (ctx, exchange) -> {
            events.add("DELAY>");
            return HttpResponse.delayed(exchange.rest(), Duration.ofMillis(20), ctx.eventLoop());
        });
        final Stack<HttpClient> stack =
                Stack.of(writing("A", "x-a"), delaying, answering("GATE", HttpStatus.TOO_MANY_REQUESTS));

        assertThat(client(stack).get("/echo").aggregate().join().status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
        assertThat(served).hasValue(0);
        await().untilAsserted(() -> assertThat(events).containsExactly("A>", "DELAY>", "GATE>", "A<"));
        assertThat(loggedStatuses).containsExactly(429);
    }

    @Test
    void aLayerThatFailsOnCompletionDoesNotKeepTheOthersFromIt() {
        final Layer<HttpClient> failing = new FusedTestLayer(Role.of("FAILING"), new Interceptor<>() {
            @Override
            public @Nullable HttpResponse onRequest(ClientRequestContext ctx, Exchange<ClientRequestContext> exchange) {
                return null;
            }

            @Override
            public void onComplete(ClientRequestContext ctx, RequestLog log, Exchange<ClientRequestContext> exchange) {
                throw new IllegalStateException("a bug in a layer");
            }
        });
        final Stack<HttpClient> stack = Stack.of(failing, writing("B", "x-b"));

        assertThat(client(stack).get("/echo").aggregate().join().status()).isEqualTo(HttpStatus.OK);
        await().untilAsserted(() -> assertThat(events).containsExactly("B>", "B<"));
    }

    private WebClient client(Stack<HttpClient> stack) {
        final Function<HttpClient, HttpClient> decorator =
                Passes.decorator(stack, StackParams.empty(), countingClassifier, List.of(), TestPass::new);
        return WebClient.builder(server.httpUri()).decorator(decorator).build();
    }

    /**
     * A layer that writes {@code header} with its name, copies what an earlier layer wrote into {@code x-seen-by-b},
     * and on completion records the classification.
     */
    private Layer<HttpClient> writing(String name, String header) {
        return writing(Role.of(name), header);
    }

    private Layer<HttpClient> writing(Role role, String header) {
        final String name = role.name();
        return new FusedTestLayer(role, new Interceptor<>() {
            @Override
            public @Nullable HttpResponse onRequest(ClientRequestContext ctx, Exchange<ClientRequestContext> exchange) {
                events.add(name + '>');
                final @Nullable String earlier = exchange.header("x-a");
                exchange.headersToWrite().set(header, name);
                if (earlier != null) {
                    exchange.headersToWrite().set("x-seen-by-b", earlier);
                }
                return null;
            }

            @Override
            public void onComplete(ClientRequestContext ctx, RequestLog log, Exchange<ClientRequestContext> exchange) {
                assertThat(exchange.outcome(log)).isEqualTo(ResponseClass.SUCCESS);
                loggedStatuses.add(log.responseHeaders().status().code());
                events.add(name + '<');
            }
        });
    }

    private Layer<HttpClient> answering(String name, HttpStatus status) {
        return fused(Role.of(name), (ctx, exchange) -> {
            events.add(name + '>');
            return HttpResponse.of(status);
        });
    }

    private static Layer<HttpClient> fused(Role role, OnRequest onRequest) {
        return new FusedTestLayer(role, new Interceptor<>() {
            @Override
            public @Nullable HttpResponse onRequest(ClientRequestContext ctx, Exchange<ClientRequestContext> exchange) {
                return onRequest.apply(ctx, exchange);
            }

            @Override
            public boolean observesCompletion() {
                return false;
            }
        });
    }

    @FunctionalInterface
    private interface OnRequest {
        @Nullable
        HttpResponse apply(ClientRequestContext ctx, Exchange<ClientRequestContext> exchange);
    }

    /** A fusable layer around a given interceptor; alone, a pass of one. */
    private static final class FusedTestLayer extends AbstractLayer<HttpClient>
            implements Fusable<ClientRequestContext> {

        private final Interceptor<ClientRequestContext> interceptor;

        FusedTestLayer(Role role, Interceptor<ClientRequestContext> interceptor) {
            super(role);
            this.interceptor = interceptor;
        }

        @Override
        public Interceptor<ClientRequestContext> interceptor(StackParams params) {
            return interceptor;
        }

        @Override
        public Function<? super HttpClient, ? extends HttpClient> decorator(StackParams params) {
            final Pass<ClientRequestContext> pass =
                    new Pass<>(List.of(role()), List.of(interceptor), ResponseClassifier.ofDefault());
            return delegate -> new TestPass(delegate, pass);
        }
    }

    /** What the mesh client's pass decorator is, in this module. */
    private static final class TestPass extends SimpleDecoratingHttpClient {

        private final Pass<ClientRequestContext> pass;

        TestPass(HttpClient delegate, Pass<ClientRequestContext> pass) {
            super(delegate);
            this.pass = pass;
        }

        @Override
        public HttpResponse execute(ClientRequestContext ctx, HttpRequest req) throws Exception {
            return pass.run(ctx, req, unwrap()::execute);
        }
    }
}
