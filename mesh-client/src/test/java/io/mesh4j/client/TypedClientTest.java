package io.mesh4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.linecorp.armeria.client.ResponseTimeoutException;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Header;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;

import io.mesh4j.client.typed.MeshCallException;
import io.mesh4j.client.typed.MeshUnavailableException;
import io.mesh4j.client.typed.MeshUnavailableException.Reason;
import io.mesh4j.core.annotation.Fallback;
import io.mesh4j.core.annotation.Retry;
import io.mesh4j.core.annotation.ServiceClient;
import io.mesh4j.core.annotation.Timeout;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.routing.PathMatch;
import io.mesh4j.core.routing.RetrySpec.RetryOn;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteMatch;
import io.mesh4j.core.routing.RouteRule;

/** Typed clients: JSON both ways, and the policy their annotations declare, under the registry's. */
class TypedClientTest {

    public record Order(String id, int quantity) {}

    @ServiceClient("orders")
    interface OrdersClient {
        @Get("/orders/{id}")
        CompletableFuture<Order> order(@Param("id") String id);

        @Post("/orders")
        Order place(Order order);

        @Get("/search")
        List<Order> search(@Param("status") String status, @Header("x-tenant") String tenant);

        @Get("/slow")
        @Timeout(150)
        String slow();

        @Get("/patient")
        @Timeout(1500)
        String patient();

        @Get("/flaky")
        @Retry(attempts = 3, on = RetryOn.UNAVAILABLE)
        String flaky();

        @Get("/flaky")
        @Retry(attempts = 1)
        String flakyOnce();

        @Get("/down")
        @Retry(attempts = 3, on = RetryOn.UNAVAILABLE)
        String down();

        default String describe(String id) {
            return "order " + order(id).join().id();
        }
    }

    @ServiceClient(value = "orders", fallback = CachedOrders.class)
    interface OrdersWithFallbacks {
        @Get("/orders/{id}")
        @Timeout(300)
        Order order(@Param("id") String id);

        @Get("/orders/{id}")
        @Timeout(300)
        CompletableFuture<Order> orderLater(@Param("id") String id);

        @Get("/flaky")
        @Retry(attempts = 2, on = RetryOn.UNAVAILABLE)
        @Fallback("notNow")
        String flaky();

        @Get("/missing")
        @Fallback("notNow")
        String missing();

        default String notNow(Throwable why) {
            return "not now: " + why.getClass().getSimpleName();
        }
    }

    /** The fallback the annotation names: made with its constructor without parameters. */
    static class CachedOrders implements OrdersWithFallbacks {
        @Override
        public Order order(String id) {
            return new Order(id, 0);
        }

        @Override
        public CompletableFuture<Order> orderLater(String id) {
            return CompletableFuture.completedFuture(new Order(id, -1));
        }

        @Override
        public String flaky() {
            throw new AssertionError("the method's own @Fallback comes first");
        }

        @Override
        public String missing() {
            throw new AssertionError("the method's own @Fallback comes first");
        }
    }

    @ServiceClient("orders")
    interface WrongFallback {
        @Get("/a")
        @Fallback("absent")
        String a(@Param("x") String x);
    }

    @ServiceClient("orders")
    interface MissingParam {
        @Get("/orders/{id}")
        String order(String id);
    }

    @ServiceClient("orders")
    interface Contradicting {
        @Get("/a")
        @Timeout(100)
        @Retry(perAttemptTimeoutMillis = 500)
        String a();
    }

    interface NotAnnotated {
        @Get("/a")
        String a();
    }

    @RegisterExtension
    final RegistryExtension registry = new RegistryExtension();

    private final AtomicInteger flakyCalls = new AtomicInteger();

    private Backend backend() {
        return Backend.start(registry.client(), "orders", "orders-1", (ctx, req) -> {
            final String path = ctx.path();
            if (path.startsWith("/orders/")) {
                return HttpResponse.of(
                        MediaType.JSON, "{\"id\":\"" + path.substring(8) + "\",\"quantity\":2,\"addedLater\":true}");
            }
            if (path.equals("/orders")) {
                return HttpResponse.of(req.aggregate()
                        .thenApply(body -> HttpResponse.of(HttpStatus.CREATED, MediaType.JSON, body.contentUtf8())));
            }
            if (path.equals("/search")) {
                final QueryParams query = QueryParams.fromQueryString(ctx.query());
                return HttpResponse.of(
                        MediaType.JSON,
                        "[{\"id\":\"" + query.get("status") + '-'
                                + req.headers().get("x-tenant") + "\",\"quantity\":1}]");
            }
            if (path.equals("/slow")) {
                return HttpResponse.delayed(HttpResponse.of("slow"), Duration.ofMillis(500));
            }
            if (path.equals("/flaky")) {
                return flakyCalls.incrementAndGet() % 3 != 0
                        ? HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE)
                        : HttpResponse.of("third time");
            }
            if (path.equals("/down")) {
                return HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE);
            }
            return HttpResponse.of(HttpStatus.NOT_FOUND);
        });
    }

    @Test
    void aTypedClientRoundTripsJsonAndCarriesItsAnnotationsPolicy() {
        try (Backend backend = backend();
                io.mesh4j.client.MeshClient mesh = io.mesh4j.client.MeshClient.builder(registry.uri())
                        .plaintext()
                        .build()) {
            RetryTest.connected(mesh, "orders", 1);
            final OrdersClient orders = mesh.client(OrdersClient.class);

            assertThat(orders.order("42").join()).isEqualTo(new Order("42", 2));
            assertThat(orders.place(new Order("7", 3))).isEqualTo(new Order("7", 3));
            assertThat(orders.search("open", "acme")).containsExactly(new Order("open-acme", 1));
            assertThat(orders.describe("9")).isEqualTo("order 9");
            assertThat(orders.toString()).isEqualTo("OrdersClient(mesh client of orders)");

            // @Timeout(150) on a route that takes 500 ms.
            final long start = System.nanoTime();
            assertThatThrownBy(orders::slow)
                    .isInstanceOf(MeshUnavailableException.class)
                    .hasCauseInstanceOf(ResponseTimeoutException.class)
                    .hasMessageStartingWith(
                            "OrdersClient.slow(): the mesh gave up on orders after 1 attempt: " + "deadline passed")
                    .satisfies(e -> {
                        final MeshUnavailableException gaveUp = (MeshUnavailableException) e;
                        assertThat(gaveUp.reason()).isEqualTo(Reason.TIMED_OUT);
                        assertThat(gaveUp.service()).isEqualTo(ServiceName.of("orders"));
                        assertThat(gaveUp.attempts()).isOne();
                    });
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(450));

            // @Retry(attempts = 3, on = 503) gets through two 503s; with one attempt the 503 is the answer.
            flakyCalls.set(0);
            assertThat(orders.flaky()).isEqualTo("third time");
            flakyCalls.set(0);
            assertThatThrownBy(orders::flakyOnce)
                    .isInstanceOf(MeshCallException.class)
                    .hasMessageContaining("OrdersClient.flakyOnce() answered 503 Service Unavailable")
                    .satisfies(e ->
                            assertThat(((MeshCallException) e).status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE));
        }
    }

    @Test
    void theRegistrysRuleOverridesTheAnnotationAndItsRemovalRestoresIt() {
        try (Backend backend = backend();
                io.mesh4j.client.MeshClient mesh = io.mesh4j.client.MeshClient.builder(registry.uri())
                        .plaintext()
                        .build()) {
            RetryTest.connected(mesh, "orders", 1);
            final OrdersClient orders = mesh.client(OrdersClient.class);
            assertThatThrownBy(orders::slow).hasCauseInstanceOf(ResponseTimeoutException.class);

            final RouteConfig patient = new RouteConfig(List.of(RouteRule.builder("patient-slow")
                    .match(new RouteMatch(
                            PathMatch.of(PathMatch.Kind.EXACT, "/slow"), java.util.Set.of(), java.util.Map.of()))
                    .timeout(Duration.ofSeconds(2))
                    .build()));
            registry.admin().putRoutes(ServiceName.of("orders"), patient).join();
            await().atMost(Duration.ofSeconds(1))
                    .until(() -> mesh.routeConfig(ServiceName.of("orders")).equals(patient));
            assertThat(orders.slow()).isEqualTo("slow");

            registry.admin().deleteRoutes(ServiceName.of("orders")).join();
            await().atMost(Duration.ofSeconds(1))
                    .until(() ->
                            mesh.routeConfig(ServiceName.of("orders")).rules().isEmpty());
            assertThatThrownBy(orders::slow).hasCauseInstanceOf(ResponseTimeoutException.class);
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 20, threadMode = ThreadMode.SEPARATE_THREAD)
    void aCallWhoseEndpointsNeverArriveEndsAtItsTimeoutNamingTheServiceAndTheUnreachableRegistry() throws IOException {
        final URI nowhere = URI.create("http://127.0.0.1:" + portNobodyListensOn());
        try (io.mesh4j.client.MeshClient mesh =
                io.mesh4j.client.MeshClient.builder(nowhere).plaintext().build()) {
            final OrdersClient orders = mesh.client(OrdersClient.class);

            // @Timeout(150): the call ends then, though no endpoint ever came.
            final long start = System.nanoTime();
            assertThatThrownBy(orders::slow)
                    .isInstanceOf(MeshUnavailableException.class)
                    .hasMessageContaining("the mesh gave up on orders")
                    .hasMessageContaining("no endpoint")
                    .hasMessageContaining("registry " + nowhere + " cannot be reached")
                    .hasCauseInstanceOf(NoEndpointException.class)
                    .satisfies(e ->
                            assertThat(((MeshUnavailableException) e).reason()).isEqualTo(Reason.NO_ENDPOINT));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 20, threadMode = ThreadMode.SEPARATE_THREAD)
    void aCallToAServiceWithNoInstanceEndsAtItsTimeoutSayingTheRegistryListsNone() {
        try (io.mesh4j.client.MeshClient mesh =
                io.mesh4j.client.MeshClient.builder(registry.uri()).plaintext().build()) {
            final OrdersClient orders = mesh.client(OrdersClient.class);

            // @Timeout(1500): time enough for the registry to answer that it knows no instance.
            final long start = System.nanoTime();
            assertThatThrownBy(orders::patient)
                    .isInstanceOf(MeshUnavailableException.class)
                    .hasCauseInstanceOf(NoEndpointException.class)
                    .hasMessageContaining("orders")
                    .hasMessageContaining("no instance of orders is registered");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void whenTheMeshGivesUpTheFallbackAnswersAndA4xxIsStillTheCallersToSee() {
        try (io.mesh4j.client.MeshClient mesh =
                io.mesh4j.client.MeshClient.builder(registry.uri()).plaintext().build()) {
            final OrdersWithFallbacks orders = mesh.client(OrdersWithFallbacks.class);

            // No instance of orders: the class's fallback answers, sync and async, at the call's timeout.
            assertThat(orders.order("42")).isEqualTo(new Order("42", 0));
            assertThat(orders.orderLater("43").join()).isEqualTo(new Order("43", -1));
            assertThat(orders.flaky()).isEqualTo("not now: MeshUnavailableException");

            try (Backend backend = backend()) {
                RetryTest.connected(mesh, "orders", 1);
                assertThat(orders.order("42")).isEqualTo(new Order("42", 2));

                // Two 503s, retries spent: the method's own fallback, told why.
                flakyCalls.set(0);
                assertThat(orders.flaky()).isEqualTo("not now: MeshCallException");
                // A 404 says the request is wrong: no fallback hides it.
                assertThatThrownBy(orders::missing)
                        .isInstanceOf(MeshCallException.class)
                        .satisfies(e ->
                                assertThat(((MeshCallException) e).status()).isEqualTo(HttpStatus.NOT_FOUND));
            }
        }
    }

    @Test
    void aGivenFallbackReplacesTheAnnotationsAndABadOneFailsWhenTheClientIsMade() {
        try (io.mesh4j.client.MeshClient mesh =
                io.mesh4j.client.MeshClient.builder(registry.uri()).plaintext().build()) {
            final OrdersWithFallbacks given = mesh.client(OrdersWithFallbacks.class, new CachedOrders() {
                @Override
                public Order order(String id) {
                    return new Order(id, 99);
                }
            });
            assertThat(given.order("1")).isEqualTo(new Order("1", 99));

            assertThatThrownBy(() -> mesh.client(WrongFallback.class))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("WrongFallback.a(String): @Fallback(\"absent\") names no default method "
                            + "absent(String) or absent(String, Throwable) returning String");
        }
    }

    @Test
    void aCallRetriedUntilItsBudgetOrAttemptsRanOutSaysHowManyAttemptsItMade() {
        try (Backend backend = backend();
                io.mesh4j.client.MeshClient mesh = io.mesh4j.client.MeshClient.builder(registry.uri())
                        .plaintext()
                        .build()) {
            RetryTest.connected(mesh, "orders", 1);
            final OrdersClient orders = mesh.client(OrdersClient.class);
            assertThatThrownBy(orders::down)
                    .isInstanceOf(MeshCallException.class)
                    .hasMessageContaining("answered 503 Service Unavailable after 3 attempts")
                    .satisfies(
                            e -> assertThat(((MeshCallException) e).attempts()).isEqualTo(3));
        }
    }

    private static int portNobodyListensOn() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void aWrongInterfaceFailsWhenTheClientIsMadeNamingTheMethod() {
        try (io.mesh4j.client.MeshClient mesh =
                io.mesh4j.client.MeshClient.builder(registry.uri()).plaintext().build()) {
            assertThatThrownBy(() -> mesh.client(MissingParam.class))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("MissingParam.order(String): no @Param for the path variables [id]");
            assertThatThrownBy(() -> mesh.client(Contradicting.class))
                    .hasMessageContaining(
                            "Contradicting.a(): perAttemptTimeout: 500ms is longer than timeout " + "100ms");
            assertThatThrownBy(() -> mesh.client(NotAnnotated.class)).hasMessageContaining("has no @ServiceClient");
        }
    }
}
