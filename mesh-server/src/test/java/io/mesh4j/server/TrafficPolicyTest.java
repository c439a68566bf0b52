package io.mesh4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;

import io.mesh4j.core.annotation.ConcurrencyLimit;
import io.mesh4j.core.annotation.RateLimit;
import io.mesh4j.core.annotation.Retry;
import io.mesh4j.core.annotation.Timeout;
import io.mesh4j.core.authz.AllowCallers;
import io.mesh4j.core.deadline.Deadline;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.routing.ServedOverrides;
import io.mesh4j.core.routing.FaultSpec;
import io.mesh4j.core.routing.PathMatch;
import io.mesh4j.core.routing.RateLimitSpec;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteMatch;
import io.mesh4j.core.routing.RouteOverride;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;

/**
 * The server's traffic policy: rate and concurrency limits, faults, route timeouts and route overrides, from the
 * annotations beside the code and live from the registry over them, against real mTLS callers.
 */
class TrafficPolicyTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");

    /** orders as its owner annotated it. */
    public static final class OrdersService {
        final CountDownLatch release = new CountDownLatch(1);

        @Get("/orders/{id}")
        @RateLimit(20)
        public String order(@Param String id) {
            return "order " + id;
        }

        @Get("/catalog")
        public String catalog() {
            return "catalog";
        }

        @Get("/report")
        @Blocking
        @ConcurrencyLimit(2)
        public String report() throws InterruptedException {
            release.await(10, TimeUnit.SECONDS);
            return "report";
        }

        @Get("/slow")
        @Timeout(200)
        public CompletableFuture<String> slow() {
            return new CompletableFuture<>();
        }

        @Get("/override")
        public String override(ServiceRequestContext ctx) {
            final RouteOverride accepted = ServedOverrides.acceptedOn(ctx);
            return accepted != null ? accepted.format() : ServedOverrides.refusedOn(ctx) ? "refused" : "none";
        }
    }

    @TempDir
    Path dataDir;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private MeshRegistry registry;
    private final OrdersService ordersService = new OrdersService();
    private MeshServer orders;
    private WebClient asFrontend;
    private WebClient asInventory;

    @BeforeEach
    void start() {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .build()
                .start()
                .join();
        orders = MeshServer.builder("orders", registry.uri())
                .identity(identity("orders"))
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .annotatedService(ordersService)
                .build();
        orders.start().join();
        asFrontend = clientAs(identity("frontend"));
        asInventory = clientAs(identity("inventory"));
    }

    @AfterEach
    void stop() throws Exception {
        ordersService.release.countDown();
        orders.stop().join();
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        registry.close();
    }

    private WorkloadIdentity identity(String service) {
        return TlsWorkloads.join(registry, service, toClose);
    }

    private WebClient clientAs(WorkloadIdentity identity) {
        return TlsWorkloads.clientAs(identity, orders.port(), toClose);
    }

    private static AggregatedHttpResponse get(WebClient client, String path) {
        return client.get(path).aggregate().join();
    }

    private void push(RouteRule... rules) {
        push(new RouteConfig(List.of(rules)));
    }

    private void push(RouteConfig config) {
        RegistryAccess.ADMIN_CLIENT.get(registry).putRoutes(ORDERS, config).join();
        await().atMost(Duration.ofSeconds(1)).until(() -> orders.routeConfig().equals(config));
    }

    @Test
    void anAnnotatedRateLimitAnswers429WithRetryAfterAtTheConfiguredRate() {
        int accepted = 0;
        int limited = 0;
        final long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        AggregatedHttpResponse refusal = null;
        while (System.nanoTime() < end) {
            final AggregatedHttpResponse res = get(asFrontend, "/orders/1");
            if (res.status() == HttpStatus.OK) {
                accepted++;
            } else {
                assertThat(res.status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
                limited++;
                refusal = res;
            }
        }
        // 20 per second in fixed windows: 3 seconds span 3 or 4 windows.
        assertThat(accepted).isBetween(60, 80);
        assertThat(limited).isPositive();
        assertThat(refusal.headers().get(HttpHeaderNames.RETRY_AFTER)).isEqualTo("1");
        assertThat(refusal.contentUtf8())
                .contains("\"error\":\"rate_limited\"")
                .contains("limited to 20.0 requests per second")
                .contains("the annotations of OrdersService.order(String)");
        // Other routes have no limit.
        for (int i = 0; i < 50; i++) {
            assertThat(get(asFrontend, "/catalog").status()).isEqualTo(HttpStatus.OK);
        }
    }

    @Test
    void aPushedPerCallerRateLimitGivesEachCallerItsOwnRateWithinASecond() {
        push(RouteRule.builder("catalog-per-caller")
                .match(new RouteMatch(PathMatch.of(PathMatch.Kind.EXACT, "/catalog"), Set.of(), Map.of()))
                .rateLimit(new RateLimitSpec(5, true))
                .build());

        // A burst within the first window: each caller gets its own five.
        int frontendAccepted = 0;
        int inventoryAccepted = 0;
        for (int i = 0; i < 10; i++) {
            frontendAccepted += get(asFrontend, "/catalog").status() == HttpStatus.OK ? 1 : 0;
            inventoryAccepted += get(asInventory, "/catalog").status() == HttpStatus.OK ? 1 : 0;
        }
        assertThat(frontendAccepted).isEqualTo(5);
        assertThat(inventoryAccepted).isEqualTo(5);
        assertThat(get(asInventory, "/catalog").contentUtf8())
                .contains("for each caller (this one: inventory)")
                .contains("the registry's rule 'catalog-per-caller'");
    }

    @Test
    void theRegistrysRateLimitOverridesTheAnnotationAndItsRemovalRestoresIt() {
        push(RouteRule.builder("orders-tight")
                .match(new RouteMatch(PathMatch.of(PathMatch.Kind.TEMPLATE, "/orders/{id}"), Set.of(), Map.of()))
                .rateLimit(new RateLimitSpec(2, false))
                .build());
        int accepted = 0;
        for (int i = 0; i < 10; i++) {
            accepted += get(asFrontend, "/orders/" + i).status() == HttpStatus.OK ? 1 : 0;
        }
        assertThat(accepted)
                .as("of a burst of 10 under the registry's 2 per second")
                .isBetween(2, 4);

        RegistryAccess.ADMIN_CLIENT.get(registry).deleteRoutes(ORDERS).join();
        await().atMost(Duration.ofSeconds(1))
                .until(() -> orders.routeConfig().rules().isEmpty());
        accepted = 0;
        for (int i = 0; i < 10; i++) {
            accepted += get(asFrontend, "/orders/" + i).status() == HttpStatus.OK ? 1 : 0;
        }
        assertThat(accepted)
                .as("of a burst of 10 under the annotation's 20 per second")
                .isEqualTo(10);
    }

    @Test
    void aConcurrencyLimitShedsTheRequestsOverItAtOnceWith503() throws Exception {
        final List<CompletableFuture<AggregatedHttpResponse>> inFlight = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            inFlight.add(asFrontend.get("/report").aggregate());
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            final AggregatedHttpResponse third = get(asFrontend, "/report");
            return third.status() == HttpStatus.SERVICE_UNAVAILABLE
                    && third.contentUtf8().contains("\"error\":\"overloaded\"")
                    && third.contentUtf8().contains("has 2 requests in flight");
        });

        ordersService.release.countDown();
        for (CompletableFuture<AggregatedHttpResponse> res : inFlight) {
            assertThat(res.get(5, TimeUnit.SECONDS).contentUtf8()).isEqualTo("report");
        }
        // The slots were given back.
        assertThat(get(asFrontend, "/report").contentUtf8()).isEqualTo("report");
    }

    @Test
    void injectedAbortsFollowTheConfiguredPercentageWithinBinomialBoundsForCallersThatDidNotJudgeThem() {
        push(RouteRule.builder("flaky-catalog")
                .match(new RouteMatch(PathMatch.of(PathMatch.Kind.PREFIX, "/catalog"), Set.of(), Map.of()))
                .fault(new FaultSpec(0, null, 30, 503))
                .build());

        final int n = 2000;
        int aborted = 0;
        for (int i = 0; i < n; i++) {
            final AggregatedHttpResponse res = get(asFrontend, "/catalog");
            if (res.status() == HttpStatus.SERVICE_UNAVAILABLE) {
                assertThat(res.contentUtf8()).contains("fault injected by mesh4j (rule 'flaky-catalog')");
                aborted++;
            }
        }
        // Mean 600, standard deviation 20.5: 4.5 of them either side fails once in 150,000 runs.
        assertThat(aborted).isBetween(508, 692);

        // A mesh client that judged the faults already is not judged again.
        for (int i = 0; i < 200; i++) {
            assertThat(asFrontend
                            .prepare()
                            .get("/catalog")
                            .header(FaultSpec.JUDGED_HEADER, "1")
                            .execute()
                            .aggregate()
                            .join()
                            .status())
                    .isEqualTo(HttpStatus.OK);
        }
    }

    @Test
    void injectedDelaysHoldTheConfiguredShareOfRequests() {
        push(RouteRule.builder("slow-catalog")
                .fault(new FaultSpec(20, Duration.ofMillis(60), 0, 0))
                .build());

        final int n = 500;
        int delayed = 0;
        for (int i = 0; i < n; i++) {
            final long start = System.nanoTime();
            assertThat(get(asFrontend, "/catalog").status()).isEqualTo(HttpStatus.OK);
            if (System.nanoTime() - start >= Duration.ofMillis(55).toNanos()) {
                delayed++;
            }
        }
        // Mean 100, standard deviation 8.9.
        assertThat(delayed).isBetween(60, 140);
    }

    @Test
    void anAnnotatedTimeoutBoundsTheHandlerAndACallersShorterDeadlineWinsOverIt() {
        long start = System.nanoTime();
        assertThat(get(asFrontend, "/slow").status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));

        // gRPC's header is read as well as the mesh's.
        start = System.nanoTime();
        assertThat(asFrontend
                        .prepare()
                        .get("/catalog")
                        .header(Deadline.GRPC_HEADER, "0m")
                        .execute()
                        .aggregate()
                        .join()
                        .status())
                .isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
        assertThat(asFrontend
                        .prepare()
                        .get("/catalog")
                        .header(Deadline.GRPC_HEADER, "2S")
                        .execute()
                        .aggregate()
                        .join()
                        .status())
                .isEqualTo(HttpStatus.OK);
    }

    @Test
    void aRouteOverrideIsFollowedOnlyFromTheCallersTheRouteConfigTrustsAndOthersAreCounted() {
        final String override = "inventory=>inventory{version=v2}";
        // No config yet: nobody is trusted.
        assertThat(asFrontend
                        .prepare()
                        .get("/override")
                        .header(RouteOverride.HEADER, override)
                        .execute()
                        .aggregate()
                        .join()
                        .contentUtf8())
                .isEqualTo("refused");

        push(new RouteConfig(List.of(), Set.of(ServiceName.of("frontend"))));

        assertThat(asFrontend
                        .prepare()
                        .get("/override")
                        .header(RouteOverride.HEADER, override)
                        .execute()
                        .aggregate()
                        .join()
                        .contentUtf8())
                .isEqualTo(override);
        assertThat(asInventory
                        .prepare()
                        .get("/override")
                        .header(RouteOverride.HEADER, override)
                        .execute()
                        .aggregate()
                        .join()
                        .contentUtf8())
                .isEqualTo("refused");
        assertThat(asFrontend
                        .prepare()
                        .get("/override")
                        .header(RouteOverride.HEADER, "orders to canary")
                        .execute()
                        .aggregate()
                        .join()
                        .contentUtf8())
                .isEqualTo("refused");
        assertThat(get(asInventory, "/override").contentUtf8()).isEqualTo("none");

        assertThat(orders.authorizationCounts().ignoredOverrides("spiffe://mesh.local/svc/inventory"))
                .isEqualTo(1);
        assertThat(orders.authorizationCounts().ignoredOverrides("spiffe://mesh.local/svc/frontend"))
                .isEqualTo(2);
    }

    /** Annotations that cannot hold fail the build, naming the method. */
    public static final class Contradicting {
        @Get("/a")
        @Timeout(100)
        @Retry(perAttemptTimeoutMillis = 500)
        public String a() {
            return "a";
        }
    }

    public static final class OutOfRange {
        @Get("/b")
        @ConcurrencyLimit(0)
        public String b() {
            return "b";
        }
    }

    /** Builds a payments server around one annotated service, as the build-time checks see it. */
    private MeshServer buildServing(Object annotated) {
        return MeshServer.builder("payments", registry.uri())
                .plaintext()
                .annotatedService(annotated)
                .build();
    }

    @Test
    void policyAnnotationsThatContradictOrAreOutOfRangeFailTheBuildNamingTheMethod() {
        assertThatThrownBy(() -> buildServing(new Contradicting()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Contradicting.a()")
                .hasMessageContaining("perAttemptTimeout: 500ms is longer than timeout 100ms");
        assertThatThrownBy(() -> buildServing(new OutOfRange()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("OutOfRange.b(): @ConcurrencyLimit(0) (expected: > 0)");
    }

    public static final class BadCaller {
        @Get("/c")
        @AllowCallers({"frontend", "Front_End"})
        public String c() {
            return "c";
        }
    }

    @AllowCallers("frontend ")
    public static final class BadCallerOnTheClass {
        @Get("/d")
        public String d() {
            return "d";
        }
    }

    @Test
    void anInvalidCallerInAllowCallersFailsTheBuildNamingTheMethodAndTheName() {
        assertThatThrownBy(() -> buildServing(new BadCaller()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("BadCaller.c()")
                .hasMessageContaining("@AllowCallers")
                .hasMessageContaining("'Front_End'");
        assertThatThrownBy(() -> buildServing(new BadCallerOnTheClass()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("BadCallerOnTheClass")
                .hasMessageContaining("'frontend '");
    }
}
