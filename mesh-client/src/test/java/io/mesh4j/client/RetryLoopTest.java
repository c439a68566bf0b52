package io.mesh4j.client;

import static io.mesh4j.client.RetryTest.connected;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.ClientRequestContextCaptor;
import com.linecorp.armeria.client.Clients;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.SimpleDecoratingHttpClient;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpRequestWriter;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.common.logging.RequestLogAccess;
import com.linecorp.armeria.common.util.EventLoopGroups;
import com.linecorp.armeria.server.HttpService;

import io.mesh4j.core.stack.ClientRoles;
import io.mesh4j.core.stack.Layer;
import io.mesh4j.core.stack.Role;

/** The retry loop's own ways: what a call that is not retried is spared, and what a retry still carries. */
class RetryLoopTest {

    @RegisterExtension
    final RegistryExtension registry = new RegistryExtension();

    /** A per-attempt layer of the test's own: the context of every attempt, in order. */
    private static Layer<HttpClient> attemptsInto(ConcurrentLinkedQueue<ClientRequestContext> attempts) {
        return Layer.of(Role.perAttempt("ATTEMPTS"), delegate -> new SimpleDecoratingHttpClient(delegate) {
            @Override
            public HttpResponse execute(ClientRequestContext ctx, HttpRequest req) throws Exception {
                attempts.add(ctx);
                return unwrap().execute(ctx, req);
            }
        });
    }

    /** Answers 503 to the first request it gets, then what it read, with the attempt's retry count. */
    private static HttpService echoAfterOne503(ConcurrentLinkedQueue<String> bodies) {
        final AtomicInteger count = new AtomicInteger();
        return (ctx, req) -> HttpResponse.of(req.aggregate().thenApply(whole -> {
            bodies.add(whole.contentUtf8());
            if (count.getAndIncrement() == 0) {
                return HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE);
            }
            return HttpResponse.of(
                    HttpStatus.OK,
                    MediaType.PLAIN_TEXT_UTF_8,
                    whole.contentUtf8() + " retry-count=" + req.headers().get("armeria-retry-count"));
        }));
    }

    @Test
    void aCallThatIsNotRetriedTakesItsOneAttemptOnItsOwnContext() {
        final ConcurrentLinkedQueue<ClientRequestContext> attempts = new ConcurrentLinkedQueue<>();
        try (Backend backend = Backend.start(registry.client(), "orders", "a", Backend.ok("ok"));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .stack(s -> s.append(attemptsInto(attempts)))
                        .build()) {
            final WebClient orders = connected(mesh, "orders", 1);

            final ClientRequestContext call;
            try (ClientRequestContextCaptor captor = Clients.newContextCaptor()) {
                assertThat(orders.get("/").aggregate().join().status()).isEqualTo(HttpStatus.OK);
                call = captor.get();
            }

            // No context derived for it, no child log: the attempt is the call.
            assertThat(attempts).containsExactly(call);
            final RequestLog log = call.log().whenComplete().join();
            assertThat(log.children()).isEmpty();
            assertThat(call.log().parent()).isNull();
            assertThat(log.responseHeaders().status()).isEqualTo(HttpStatus.OK);
        }
    }

    @Test
    void aRetriedCallsFirstAttemptIsItsOwnContextAndItsWholeLogEndsWithTheRetry() {
        final ConcurrentLinkedQueue<ClientRequestContext> attempts = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> bodies = new ConcurrentLinkedQueue<>();
        try (Backend backend = Backend.start(registry.client(), "orders", "a", echoAfterOne503(bodies));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .stack(s -> s.remove(ClientRoles.BREAKER).append(attemptsInto(attempts)))
                        .build()) {
            final WebClient orders = connected(mesh, "orders", 1);

            final ClientRequestContext call;
            try (ClientRequestContextCaptor captor = Clients.newContextCaptor()) {
                assertThat(orders.get("/orders/1").aggregate().join().status()).isEqualTo(HttpStatus.OK);
                call = captor.get();
            }

            final List<ClientRequestContext> tried = List.copyOf(attempts);
            assertThat(tried).hasSize(2);
            assertThat(tried.get(0)).isSameAs(call);
            assertThat(tried.get(1)).isNotSameAs(call);
            // The call's own log is its first attempt's; the log of the whole call has both, and the retry's answer.
            assertThat(call.log().whenComplete().join().responseHeaders().status())
                    .isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
            final RequestLogAccess whole = call.log().parent();
            assertThat(whole).isNotNull();
            final RequestLog wholeLog = whole.whenComplete().join();
            assertThat(wholeLog.children()).hasSize(2);
            assertThat(wholeLog.children().get(1).context()).isSameAs(tried.get(1));
            assertThat(wholeLog.responseHeaders().status()).isEqualTo(HttpStatus.OK);
        }
    }

    @Test
    void theAnswerIsReadOnTheCallsEventLoopAsArmeriasOwnResponseIs() {
        // Event loops of the client's own: a common worker, where a response with no executor of its own is read by
        // a caller with no context current, is then never a call's event loop.
        try (ClientFactory factory = ClientFactory.builder()
                        .workerGroup(EventLoopGroups.newEventLoopGroup(2), true)
                        .build();
                Backend backend = Backend.start(registry.client(), "orders", "a", Backend.ok("ok"));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .clientFactory(factory)
                        .build()) {
            final WebClient orders = connected(mesh, "orders", 1);

            // A GET (no body) and a POST (its body kept for a retry), twice each.
            for (int i = 0; i < 4; i++) {
                final ClientRequestContext call;
                final HttpResponse res;
                try (ClientRequestContextCaptor captor = Clients.newContextCaptor()) {
                    res = i % 2 == 0 ? orders.get("/orders/1") : orders.post("/orders", "{\"n\":1}");
                    call = captor.get();
                }
                final CompletableFuture<Thread> readOn = new CompletableFuture<>();
                res.subscribe(new Subscriber<HttpObject>() {
                    @Override
                    public void onSubscribe(Subscription s) {
                        s.request(Long.MAX_VALUE);
                    }

                    @Override
                    public void onNext(HttpObject obj) {}

                    @Override
                    public void onError(Throwable t) {
                        readOn.completeExceptionally(t);
                    }

                    @Override
                    public void onComplete() {
                        readOn.complete(Thread.currentThread());
                    }
                });

                // No thread hop to hand the answer on, and none back for the caller's next call.
                assertThat(call.eventLoop().withoutContext().inEventLoop(readOn.join()))
                        .as("answer %d read on %s, the call's event loop is %s", i, readOn.join(), call.eventLoop())
                        .isTrue();
            }
        }
    }

    @Test
    void aPostIsRetriedWithItsBody() {
        final ConcurrentLinkedQueue<String> bodies = new ConcurrentLinkedQueue<>();
        try (Backend backend = Backend.start(registry.client(), "orders", "a", echoAfterOne503(bodies));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .stack(s -> s.remove(ClientRoles.BREAKER))
                        .build()) {
            final WebClient orders = connected(mesh, "orders", 1);

            final AggregatedHttpResponse res =
                    orders.post("/orders", "{\"n\":1}").aggregate().join();

            assertThat(res.status()).isEqualTo(HttpStatus.OK);
            assertThat(res.contentUtf8()).isEqualTo("{\"n\":1} retry-count=1");
            assertThat(bodies).containsExactly("{\"n\":1}", "{\"n\":1}");
        }
    }

    @Test
    void aBodyStillBeingWrittenIsReadWholeAndRetriedWithAllOfIt() {
        final ConcurrentLinkedQueue<String> bodies = new ConcurrentLinkedQueue<>();
        try (Backend backend = Backend.start(registry.client(), "orders", "a", echoAfterOne503(bodies));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .stack(s -> s.remove(ClientRoles.BREAKER))
                        .build()) {
            final WebClient orders = connected(mesh, "orders", 1);

            final HttpRequestWriter upload = HttpRequest.streaming(RequestHeaders.of(HttpMethod.POST, "/uploads"));
            final CompletableFuture<AggregatedHttpResponse> res =
                    orders.execute(upload).aggregate();
            upload.write(HttpData.ofUtf8("first "));
            upload.write(HttpData.ofUtf8("second"));
            upload.close();

            assertThat(res.join().contentUtf8()).isEqualTo("first second retry-count=1");
            assertThat(bodies).containsExactly("first second", "first second");
        }
    }

    @Test
    void aRetryAfterARefusedConnectionGoesToAnotherInstanceWithItsBody() {
        final ConcurrentLinkedQueue<String> bodies = new ConcurrentLinkedQueue<>();
        try (Backend healthy = Backend.start(
                        registry.client(),
                        "orders",
                        "healthy",
                        (ctx, req) -> HttpResponse.of(req.aggregate().thenApply(whole -> {
                            bodies.add(whole.contentUtf8());
                            return HttpResponse.of(whole.contentUtf8());
                        })));
                Backend dead = Backend.start(registry.client(), "orders", "dead", Backend.ok("never"));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .stack(s -> s.remove(ClientRoles.BREAKER))
                        .build()) {
            dead.kill();
            final WebClient orders = connected(mesh, "orders", 2);

            for (int i = 0; i < 20; i++) {
                assertThat(orders.post("/orders", "order " + i)
                                .aggregate()
                                .join()
                                .contentUtf8())
                        .isEqualTo("order " + i);
            }
            assertThat(bodies).hasSize(20);
        }
    }
}
