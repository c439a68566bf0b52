package io.mesh4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.ClientRequestContextCaptor;
import com.linecorp.armeria.client.Clients;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.HttpService;

import io.mesh4j.client.balancer.Balancers;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.stack.ClientRoles;

class BalancerTest {

    @RegisterExtension
    final RegistryExtension registry = new RegistryExtension();

    @Test
    void defaultBalancerSendsATenTimesSlowerInstanceClearlyLessThanHalf() throws Exception {
        try (Backend fast =
                        Backend.start(registry.client(), "orders", "fast", Backend.slow("f", Duration.ofMillis(5)));
                Backend slow =
                        Backend.start(registry.client(), "orders", "slow", Backend.slow("s", Duration.ofMillis(50)));
                MeshClient mesh = MeshClient.builder(registry.uri()).plaintext().build()) {
            final WebClient orders = connected(mesh, 2);

            final Load load = Load.send(orders, 600, 8);

            assertThat(load.failures).isEmpty();
            final double slowShare = slow.hits.get() / 600.0;
            assertThat(slowShare).as("share of the slow instance").isLessThan(0.25);
            assertThat(slow.hits.get()).as("the slow instance is still probed").isPositive();
        }
    }

    @Test
    void theDefaultBalancerRetriesOnAnInstanceTheCallHasNotTriedEvenWhenTheFailedOneLooksLighter() {
        // The failing instance answers at once, the healthy one takes 50 ms: by load alone, every retry would go
        // back to the failing one and the call would fail three times there.
        try (Backend failing = Backend.start(
                        registry.client(),
                        "orders",
                        "failing",
                        (ctx, req) -> HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE));
                Backend healthy = Backend.start(
                        registry.client(), "orders", "healthy", Backend.slow("ok", Duration.ofMillis(50)));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .stack(s -> s.remove(ClientRoles.BREAKER))
                        .build()) {
            final WebClient orders = connected(mesh, 2);

            DiscoveryTest.sendAll(orders, 20);

            assertThat(failing.hits.get())
                    .as("calls that started on the failing instance")
                    .isPositive();
            assertThat(healthy.hits.get()).isEqualTo(20);
        }
    }

    @Test
    void anInstanceWhoseCallsTimedOutIsPickedAgainWithinSecondsOnceItAnswersAndGetsBackItsShare() {
        // Time as the balancer sees it moves only when told: each answer takes 5 ms of it, and the calls that time
        // out wait 10 s of it, as they would against the default timeout.
        final FakeTicker ticker = new FakeTicker();
        final Duration answerTime = Duration.ofMillis(5);
        final AtomicBoolean stalled = new AtomicBoolean();
        try (Backend steady = Backend.start(registry.client(), "orders", "steady", (ctx, req) -> {
                    if (stalled.get()) {
                        // While the other instance stalls, answers come late in real time (so that the calls in
                        // flight at once spread over both instances) and at once in the balancer's.
                        return HttpResponse.delayed(HttpResponse.of("s"), Duration.ofMillis(300));
                    }
                    ticker.advance(answerTime);
                    return HttpResponse.of("s");
                });
                Backend flaky = Backend.start(registry.client(), "orders", "flaky", (ctx, req) -> {
                    if (stalled.get()) {
                        return HttpResponse.of(new CompletableFuture<HttpResponse>());
                    }
                    ticker.advance(answerTime);
                    return HttpResponse.of("f");
                });
                // Only the balancer: no retry moves a call, no breaker ejects the instance.
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .ticker(ticker)
                        .stack(s -> s.remove(ClientRoles.RETRY).remove(ClientRoles.BREAKER))
                        .build()) {
            final WebClient orders = connected(mesh, 2);
            for (int i = 0; i < 100; i++) {
                settled(call(orders));
            }
            assertThat(flaky.hits.get())
                    .as("the flaky instance's share while both answer")
                    .isBetween(40, 60);

            // The flaky instance stops answering: of a burst of calls, those it gets time out after 10 s.
            stalled.set(true);
            final List<ClientRequestContext> burst;
            try (ClientRequestContextCaptor captor = Clients.newContextCaptor()) {
                for (int i = 0; i < 8; i++) {
                    orders.prepare()
                            .get("/")
                            .responseTimeout(Duration.ofSeconds(3))
                            .execute();
                }
                burst = captor.getAll();
            }
            final List<ClientRequestContext> timingOut = burst.stream()
                    .filter(ctx -> ctx.endpoint().port() == flaky.port())
                    .toList();
            burst.stream().filter(ctx -> !timingOut.contains(ctx)).forEach(BalancerTest::settled);
            ticker.advance(Duration.ofSeconds(10));
            timingOut.forEach(BalancerTest::settled);
            assertThat(timingOut)
                    .as("calls that timed out on the flaky instance")
                    .hasSizeGreaterThanOrEqualTo(2);

            // It answers again. Calls one after another, 50 ms of balancer time apart.
            stalled.set(false);
            final int flakyAtResume = flaky.hits.get();
            int calls = 0;
            while (flaky.hits.get() == flakyAtResume && calls < 200) {
                ticker.advance(Duration.ofMillis(45));
                settled(call(orders));
                calls++;
            }
            assertThat(Duration.ofMillis(50L * calls))
                    .as("balancer time until the instance is picked again")
                    .isLessThanOrEqualTo(Duration.ofSeconds(4));

            final int flakyThen = flaky.hits.get();
            for (int i = 0; i < 100; i++) {
                ticker.advance(Duration.ofMillis(45));
                settled(call(orders));
            }
            assertThat(flaky.hits.get() - flakyThen)
                    .as("the instance's share of the next 100 calls")
                    .isBetween(40, 60);
        }
    }

    /** Sends a GET and returns its context once it is answered. */
    private static ClientRequestContext call(WebClient client) {
        try (ClientRequestContextCaptor captor = Clients.newContextCaptor()) {
            assertThat(client.get("/").aggregate().join().status()).isEqualTo(HttpStatus.OK);
            return captor.get();
        }
    }

    /**
     * Returns once the balancer has noted how the call ended: it does in a callback of the call's log, on the
     * call's event loop, which may run after the caller has its answer. Time must not move on before.
     */
    private static void settled(ClientRequestContext ctx) {
        ctx.log().whenComplete().join();
        ctx.eventLoop().withoutContext().submit(() -> {}).syncUninterruptibly();
    }

    @Test
    void roundRobinTakesEachInstanceInTurn() throws Exception {
        try (Backend a = Backend.start(registry.client(), "orders", "a", Backend.ok("a"));
                Backend b = Backend.start(registry.client(), "orders", "b", Backend.ok("b"));
                Backend c = Backend.start(registry.client(), "orders", "c", Backend.ok("c"));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .balancer(Balancers.roundRobin())
                        .build()) {
            final WebClient orders = connected(mesh, 3);

            DiscoveryTest.sendAll(orders, 300);

            assertThat(a.hits).hasValue(100);
            assertThat(b.hits).hasValue(100);
            assertThat(c.hits).hasValue(100);
        }
    }

    @Test
    void randomSpreadsCallsOverEveryInstance() throws Exception {
        try (Backend a = Backend.start(registry.client(), "orders", "a", Backend.ok("a"));
                Backend b = Backend.start(registry.client(), "orders", "b", Backend.ok("b"));
                Backend c = Backend.start(registry.client(), "orders", "c", Backend.ok("c"));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .balancer(Balancers.random())
                        .build()) {
            final WebClient orders = connected(mesh, 3);

            DiscoveryTest.sendAll(orders, 600);

            // 200 expected each; the bounds are over 8 standard deviations wide, so chance never fails this.
            assertThat(a.hits.get()).isBetween(100, 300);
            assertThat(b.hits.get()).isBetween(100, 300);
            assertThat(c.hits.get()).isBetween(100, 300);
        }
    }

    @Test
    void weightedRoundRobinFollowsRegisteredWeights() throws Exception {
        try (Backend light = Backend.start(registry.client(), "orders", "light", 100, Backend.ok("l"));
                Backend heavy = Backend.start(registry.client(), "orders", "heavy", 300, Backend.ok("h"));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .balancer(Balancers.weightedRoundRobin())
                        .build()) {
            final WebClient orders = connected(mesh, 2);

            DiscoveryTest.sendAll(orders, 400);

            assertThat(heavy.hits.get() / 400.0).isCloseTo(0.75, within(0.02));
            assertThat(light.hits.get() / 400.0).isCloseTo(0.25, within(0.02));
        }
    }

    @Test
    void theDefaultBalancerGivesAnInstanceOfTwiceTheWeightTwiceTheShareOfAnEquallyFastOneWhenCallsOverlap()
            throws Exception {
        // Issue 16: the registered weight was ignored, and each got half. 20 ms, so that loopback jitter is small
        // beside the latency and the two really are equally fast.
        try (Backend light = Backend.start(
                        registry.client(), "orders", "light", 100, Backend.slow("l", Duration.ofMillis(20)));
                Backend heavy = Backend.start(
                        registry.client(), "orders", "heavy", 200, Backend.slow("h", Duration.ofMillis(20)));
                MeshClient mesh = MeshClient.builder(registry.uri()).plaintext().build()) {
            final WebClient orders = connected(mesh, 2);

            final Load load = Load.send(orders, 900, 8);

            assertThat(load.failures).isEmpty();
            assertThat(heavy.hits.get() / 900.0)
                    .as("the heavy instance's share of calls 8 at a time")
                    .isCloseTo(2 / 3.0, within(0.07));
            assertThat(light.hits.get() + heavy.hits.get()).isEqualTo(900);
        }
    }

    @Test
    void theDefaultBalancerGivesAnInstanceOfTwiceTheWeightTwiceTheShareOfAnEquallyFastOneOfCallsOneAtATime() {
        // Nothing is in flight to tell the two apart, only their weights. Each answer takes exactly 5 ms of the
        // balancer's time, so that both are exactly as fast.
        final FakeTicker ticker = new FakeTicker();
        final HttpService fiveMillis = (ctx, req) -> {
            ticker.advance(Duration.ofMillis(5));
            return HttpResponse.of("ok");
        };
        try (Backend light = Backend.start(registry.client(), "orders", "light", 100, fiveMillis);
                Backend heavy = Backend.start(registry.client(), "orders", "heavy", 200, fiveMillis);
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .ticker(ticker)
                        .build()) {
            final WebClient orders = connected(mesh, 2);

            for (int i = 0; i < 600; i++) {
                settled(call(orders));
            }

            // A pick is the heavy one with a chance of 2/3: over 600, a standard deviation of 0.019.
            assertThat(heavy.hits.get() / 600.0)
                    .as("the heavy instance's share of calls one at a time")
                    .isCloseTo(2 / 3.0, within(0.07));
            assertThat(light.hits.get() + heavy.hits.get()).isEqualTo(600);
        }
    }

    @Test
    void aHeavierInstanceTenTimesSlowerStillGetsClearlyLessThanTheFastOne() throws Exception {
        try (Backend fast = Backend.start(
                        registry.client(), "orders", "fast", 100, Backend.slow("f", Duration.ofMillis(5)));
                Backend slow = Backend.start(
                        registry.client(), "orders", "slow", 200, Backend.slow("s", Duration.ofMillis(50)));
                MeshClient mesh = MeshClient.builder(registry.uri()).plaintext().build()) {
            final WebClient orders = connected(mesh, 2);

            final Load load = Load.send(orders, 600, 8);

            assertThat(load.failures).isEmpty();
            assertThat(slow.hits.get() / 600.0)
                    .as("share of the slow instance of twice the weight")
                    .isLessThan(0.25);
            assertThat(fast.hits.get()).isGreaterThan(slow.hits.get());
        }
    }

    /** Returns the client of orders once it knows {@code instances} instances. */
    private static WebClient connected(MeshClient mesh, int instances) {
        final WebClient client = mesh.webClient("orders");
        await().atMost(Duration.ofSeconds(5))
                .until(() -> mesh.endpoints(ServiceName.of("orders")).size() == instances);
        return client;
    }
}
