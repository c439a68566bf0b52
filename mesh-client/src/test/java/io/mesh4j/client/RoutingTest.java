package io.mesh4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.RouteJson;
import io.mesh4j.core.routing.FaultSpec;
import io.mesh4j.core.routing.PathMatch;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteMatch;
import io.mesh4j.core.routing.RouteOverride;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.core.routing.Subset;
import io.mesh4j.core.routing.WeightedSubset;

/**
 * The client's routing against a real registry and real backends: splits, matches, empty subsets, live and
 * invalid pushes, injected faults and route overrides.
 */
class RoutingTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");
    private static final Subset V1 = new Subset(Map.of("version", "v1"));
    private static final Subset V2 = new Subset(Map.of("version", "v2"));

    @RegisterExtension
    final RegistryExtension registry = new RegistryExtension();

    private Backend version(String version) {
        return Backend.start(
                registry.client(), "orders", "orders-" + version, "", Map.of("version", version), Backend.ok(version));
    }

    private MeshClient mesh() {
        return MeshClient.builder(registry.uri()).plaintext().build();
    }

    /** Pushes {@code config} and waits until {@code mesh} follows it. */
    /** The calls to orders answered 503 so far, as the client's metrics count them (the telemetry is shared). */
    private static double refused503s(MeshClient mesh) {
        final Matcher count = Pattern.compile("mesh_client_requests_seconds_count\\{method=\"GET\","
                        + "outcome=\"retryable_failure\",route=\"unmatched\",service=\"orders\",status=\"503\"} (\\S+)")
                .matcher(mesh.telemetry().scrape());
        return count.find() ? Double.parseDouble(count.group(1)) : 0;
    }

    private void push(MeshClient mesh, RouteConfig config) {
        registry.admin().putRoutes(ORDERS, config).join();
        await().atMost(Duration.ofSeconds(1))
                .until(() -> mesh.routeConfig(ORDERS).equals(config));
    }

    private static RouteRule split(String name, int v1, int v2) {
        return RouteRule.builder(name)
                .split(List.of(new WeightedSubset(V1, v1), new WeightedSubset(V2, v2)), null)
                .build();
    }

    private static RouteMatch path(PathMatch.Kind kind, String path) {
        return new RouteMatch(PathMatch.of(kind, path), Set.of(), Map.of());
    }

    /** Sends {@code n} calls, {@code concurrency} at a time, and counts the answers' bodies. */
    private static Map<String, Integer> send(WebClient client, int n, int concurrency) {
        final Map<String, Integer> bodies = new ConcurrentHashMap<>();
        for (int sent = 0; sent < n; sent += concurrency) {
            final List<CompletableFuture<AggregatedHttpResponse>> batch = new ArrayList<>();
            for (int i = 0; i < Math.min(concurrency, n - sent); i++) {
                batch.add(client.get("/orders/" + i).aggregate());
            }
            for (CompletableFuture<AggregatedHttpResponse> res : batch) {
                final AggregatedHttpResponse answer = res.join();
                bodies.merge(
                        answer.status().code() == 200
                                ? answer.contentUtf8()
                                : answer.status().codeAsText(),
                        1,
                        Integer::sum);
            }
        }
        return bodies;
    }

    @Test
    void aNinetyTenSplitIsWithinThreePointsOverTenThousandCalls() {
        try (Backend v1 = version("v1");
                Backend v2 = version("v2");
                MeshClient mesh = mesh()) {
            final WebClient orders = RetryTest.connected(mesh, "orders", 2);
            push(mesh, new RouteConfig(List.of(split("canary", 90, 10))));

            final Map<String, Integer> bodies = send(orders, 10_000, 50);

            assertThat(bodies.keySet()).containsOnly("v1", "v2");
            System.out.printf("90/10 split over 10,000 calls: v1 %d, v2 %d%n", bodies.get("v1"), bodies.get("v2"));
            assertThat(bodies.get("v2") / 100.0).as("v2's share, in percent").isBetween(7.0, 13.0);
        }
    }

    @Test
    void headerAndPathMatchesPickTheirRulesInOrder() {
        try (Backend v1 = version("v1");
                Backend v2 = version("v2");
                MeshClient mesh = mesh()) {
            final WebClient orders = RetryTest.connected(mesh, "orders", 2);
            push(
                    mesh,
                    new RouteConfig(List.of(
                            RouteRule.builder("canary-header")
                                    .match(new RouteMatch(null, Set.of(), Map.of("x-canary", "yes")))
                                    .split(List.of(new WeightedSubset(V2, 100)), null)
                                    .build(),
                            RouteRule.builder("beta-path")
                                    .match(path(PathMatch.Kind.PREFIX, "/beta/"))
                                    .split(List.of(new WeightedSubset(V2, 100)), null)
                                    .build(),
                            RouteRule.builder("posts")
                                    .match(new RouteMatch(null, Set.of(HttpMethod.POST), Map.of()))
                                    .split(List.of(new WeightedSubset(V2, 100)), null)
                                    .build(),
                            RouteRule.builder("stable")
                                    .split(List.of(new WeightedSubset(V1, 100)), null)
                                    .build())));

            for (int i = 0; i < 20; i++) {
                assertThat(orders.get("/orders/" + i).aggregate().join().contentUtf8())
                        .isEqualTo("v1");
                assertThat(orders.prepare()
                                .get("/orders/" + i)
                                .header("x-canary", "yes")
                                .execute()
                                .aggregate()
                                .join()
                                .contentUtf8())
                        .isEqualTo("v2");
                assertThat(orders.prepare()
                                .get("/orders/" + i)
                                .header("x-canary", "no")
                                .execute()
                                .aggregate()
                                .join()
                                .contentUtf8())
                        .isEqualTo("v1");
                assertThat(orders.get("/beta/orders/" + i).aggregate().join().contentUtf8())
                        .isEqualTo("v2");
                assertThat(orders.post("/orders", "{}").aggregate().join().contentUtf8())
                        .isEqualTo("v2");
            }
        }
    }

    @Test
    void aSubsetWithNoInstanceIsAnswered503NamingItUnlessTheRuleNamesAFallback() {
        final Subset v3 = new Subset(Map.of("version", "v3"));
        try (Backend v1 = version("v1");
                MeshClient mesh = mesh()) {
            final WebClient orders = RetryTest.connected(mesh, "orders", 1);
            push(
                    mesh,
                    new RouteConfig(List.of(RouteRule.builder("not-deployed-yet")
                            .split(List.of(new WeightedSubset(v3, 100)), null)
                            .build())));

            final double refusedBefore = refused503s(mesh);
            final AggregatedHttpResponse refused =
                    orders.get("/orders/1").aggregate().join();
            assertThat(refused.status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
            assertThat(refused.contentUtf8())
                    .contains("\"error\":\"no_route\"")
                    .contains("no instance of orders {version=v3}")
                    .contains("rule 'not-deployed-yet'");
            assertThat(v1.hits).hasValue(0);
            // Answered by ROUTING, never sent: still a call the caller made, counted with its status.
            await().untilAsserted(() -> assertThat(refused503s(mesh)).isEqualTo(refusedBefore + 1));

            push(
                    mesh,
                    new RouteConfig(List.of(RouteRule.builder("with-fallback")
                            .split(List.of(new WeightedSubset(v3, 100)), V1)
                            .build())));
            assertThat(orders.get("/orders/1").aggregate().join().contentUtf8()).isEqualTo("v1");
        }
    }

    @Test
    void aLivePushShiftsTrafficWithinASecondWithoutAFailedCall() throws Exception {
        try (Backend v1 = version("v1");
                Backend v2 = version("v2");
                MeshClient mesh = mesh()) {
            final WebClient orders = RetryTest.connected(mesh, "orders", 2);
            push(mesh, new RouteConfig(List.of(split("all-v1", 100, 0))));
            final AtomicBoolean running = new AtomicBoolean(true);
            final AtomicInteger failed = new AtomicInteger();
            final AtomicLong firstV2AfterPushNanos = new AtomicLong();
            final AtomicLong lastV1AfterPushNanos = new AtomicLong();
            final AtomicLong pushedAtNanos = new AtomicLong(Long.MAX_VALUE);
            final AtomicInteger answered = new AtomicInteger();
            final AtomicInteger v2AfterPush = new AtomicInteger();
            final List<Thread> load = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                final Thread thread = new Thread(() -> {
                    while (running.get()) {
                        final AggregatedHttpResponse res =
                                orders.get("/orders/1").aggregate().join();
                        final long now = System.nanoTime();
                        answered.incrementAndGet();
                        if (res.status() != HttpStatus.OK) {
                            failed.incrementAndGet();
                        } else if (now > pushedAtNanos.get()) {
                            if ("v2".equals(res.contentUtf8())) {
                                firstV2AfterPushNanos.compareAndSet(0, now);
                                v2AfterPush.incrementAndGet();
                            } else {
                                lastV1AfterPushNanos.accumulateAndGet(now, Math::max);
                            }
                        }
                    }
                });
                thread.start();
                load.add(thread);
            }
            // The load is flowing before the push, and goes on well past the switch, so that a call failed in
            // either would be counted.
            await().atMost(Duration.ofSeconds(10)).until(() -> answered.get() >= 200);
            pushedAtNanos.set(System.nanoTime());
            registry.admin()
                    .putRoutes(ORDERS, new RouteConfig(List.of(split("all-v2", 0, 100))))
                    .join();
            await().atMost(Duration.ofSeconds(10)).until(() -> v2AfterPush.get() >= 1000);
            running.set(false);
            for (Thread thread : load) {
                thread.join();
            }

            assertThat(failed).hasValue(0);
            assertThat(firstV2AfterPushNanos.get()).isPositive();
            System.out.printf(
                    "live push: first call on v2 %d ms after the PUT, last on v1 %d ms after it, " + "0 failed%n",
                    (firstV2AfterPushNanos.get() - pushedAtNanos.get()) / 1_000_000,
                    (lastV1AfterPushNanos.get() - pushedAtNanos.get()) / 1_000_000);
            // Calls that started before the push may still answer from v1 just after it; none a second later.
            assertThat(Duration.ofNanos(lastV1AfterPushNanos.get() - pushedAtNanos.get()))
                    .isLessThan(Duration.ofSeconds(1));
        }
    }

    @Test
    void anInvalidPushIsRefusedNamingTheFieldAndTheConfigInForceStays() throws Exception {
        try (Backend v1 = version("v1");
                Backend v2 = version("v2");
                MeshClient mesh = mesh()) {
            final WebClient orders = RetryTest.connected(mesh, "orders", 2);
            final RouteConfig good = new RouteConfig(List.of(split("all-v2", 0, 100)));
            push(mesh, good);
            final RouteJson.RoutesSnapshot inForce =
                    registry.admin().routes(ORDERS).join();

            // A plaintext registry takes writes without the admin token.
            final WebClient admin = WebClient.of(registry.uri());
            final AggregatedHttpResponse refused = admin.prepare()
                    .put("/v1/routes/orders")
                    .content(
                            MediaType.JSON_UTF_8,
                            "{\"rules\": [{\"name\": \"bad\", \"route\": ["
                                    + "{\"subset\": {\"version\": \"v1\"}, \"weight\": 90},"
                                    + "{\"subset\": {\"version\": \"v2\"}, \"weight\": 20}]}]}")
                    .execute()
                    .aggregate()
                    .join();
            assertThat(refused.status()).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(refused.contentUtf8()).contains("rules[0] ('bad')").contains("the weights sum to 110");

            // The registry kept the config and its index, so there was nothing new for the client to hear.
            assertThat(registry.admin().routes(ORDERS).join()).isEqualTo(inForce);
            assertThat(mesh.routeConfig(ORDERS)).isEqualTo(good);
            assertThat(send(orders, 50, 10)).containsOnlyKeys("v2");
        }
    }

    @Test
    void injectedAbortsAtTheCallerFollowTheirPercentageAndAreNeitherSentNorRetried() {
        try (Backend v1 = version("v1");
                MeshClient mesh = mesh()) {
            final WebClient orders = RetryTest.connected(mesh, "orders", 1);
            push(
                    mesh,
                    new RouteConfig(List.of(RouteRule.builder("chaos")
                            .fault(new FaultSpec(0, null, 20, 503))
                            .build())));

            final Map<String, Integer> bodies = send(orders, 2000, 20);

            // Mean 400, standard deviation 17.9: 4.5 of them either side.
            assertThat(bodies.getOrDefault("503", 0)).isBetween(320, 480);
            assertThat(v1.hits.get())
                    .as("the backend saw only the calls not aborted, each once")
                    .isEqualTo(bodies.get("v1"));
        }
    }

    @Test
    void aRouteOverrideTheWorkloadSetsItselfSendsTheCallToAnotherServiceOrSubset() {
        try (Backend v1 = version("v1");
                Backend v2 = version("v2");
                Backend canary = Backend.start(registry.client(), "orders-canary", "canary-1", Backend.ok("canary"));
                MeshClient mesh = mesh()) {
            final WebClient orders = RetryTest.connected(mesh, "orders", 2);
            RetryTest.connected(mesh, "orders-canary", 1);
            push(mesh, new RouteConfig(List.of(split("stable", 100, 0))));

            assertThat(send(orders, 20, 5)).containsOnlyKeys("v1");
            for (int i = 0; i < 20; i++) {
                assertThat(orders.prepare()
                                .get("/orders/1")
                                .header(RouteOverride.HEADER, "orders=>orders{version=v2}")
                                .execute()
                                .aggregate()
                                .join()
                                .contentUtf8())
                        .isEqualTo("v2");
                assertThat(orders.prepare()
                                .get("/orders/1")
                                .header(RouteOverride.HEADER, "orders=>orders-canary")
                                .execute()
                                .aggregate()
                                .join()
                                .contentUtf8())
                        .isEqualTo("canary");
                // An override of another service leaves this one's calls alone.
                assertThat(orders.prepare()
                                .get("/orders/1")
                                .header(RouteOverride.HEADER, "payments=>payments-v2")
                                .execute()
                                .aggregate()
                                .join()
                                .contentUtf8())
                        .isEqualTo("v1");
            }
        }
    }
}
