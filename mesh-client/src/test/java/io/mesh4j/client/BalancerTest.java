package io.mesh4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

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

    @Test
    void anInstanceThatStalledAndAnswersLateIsBackToItsShareWithinSecondsOfAnsweringAgain() throws Exception {
        // Three instances that answer in 5 ms. One stalls as a frozen process does: it holds every request and, when
        // it resumes, answers them all, late, those whose callers still wait counting as slow answers.
        final AtomicBoolean stalled = new AtomicBoolean();
        final List<Held> held = new CopyOnWriteArrayList<>();
        final HttpService fiveMillis = Backend.slow("ok", Duration.ofMillis(5));
        try (Backend a = Backend.start(registry.client(), "orders", "a", fiveMillis);
                Backend b = Backend.start(registry.client(), "orders", "b", fiveMillis);
                Backend frozen = Backend.start(registry.client(), "orders", "frozen", (ctx, req) -> {
                    if (!stalled.get()) {
                        return fiveMillis.serve(ctx, req);
                    }
                    final Held request = new Held(System.nanoTime(), new CompletableFuture<>());
                    held.add(request);
                    return HttpResponse.of(request.answer());
                });
                // The calls' timeouts and retries as shipped (RETRY cuts a stalled attempt and retries it
                // elsewhere); no breaker, whose open period would decide when the instance gets traffic again.
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .stack(s -> s.remove(ClientRoles.BREAKER))
                        .build();
                SteadyLoad load = SteadyLoad.start(connected(mesh, 3), 6)) {
            load.awaitCalls(300);
            final ShareWindow whileStalled = new ShareWindow(frozen, a, b);

            // It stalls until it has held a few attempts, failed by timeout since the balancer kept trying it
            // again, and one it holds was sent a moment ago: its caller still waits when it resumes.
            stalled.set(true);
            // And until the window has enough requests to say a share: the three it holds alone were an eighth of a
            // window of 24, on a machine fast enough to get there in a moment (CI); of 100, they are 3%.
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> held.size() >= 3
                            && Duration.ofNanos(System.nanoTime()
                                                    - held.get(held.size() - 1).since())
                                            .compareTo(Duration.ofMillis(60))
                                    > 0
                            && whileStalled.requestsSinceStart() >= 100);
            assertThat(whileStalled.sinceStart())
                    .as("the stalled instance's share of attempts while it stalls")
                    .isLessThan(0.1);

            // It resumes and answers what it held.
            stalled.set(false);
            held.forEach(request -> request.answer().complete(HttpResponse.of("late")));
            final long resumed = System.nanoTime();
            final ShareWindow afterwards = new ShareWindow(frozen, a, b);
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> afterwards.lastSecond() >= 0.25);

            // Seconds, not the 10 s and more its cost took to decay: about 1 s here, 1 to 2 s with two busy loops
            // beside
            // the test, once 7 s when noise on those busy cores made a second jump during the recovery.
            assertThat(Duration.ofNanos(System.nanoTime() - resumed))
                    .as("time until the instance has a quarter of a second's calls (a third is its share)")
                    .isLessThan(Duration.ofSeconds(8));
            assertThat(load.failures).as("failed calls").isEmpty();
        }
    }

    /** A request a stalled backend holds, since when. */
    private record Held(long since, CompletableFuture<HttpResponse> answer) {}

    /** Calls a client with a fixed number of calls in flight until closed. */
    private static final class SteadyLoad implements AutoCloseable {

        final List<String> failures = new CopyOnWriteArrayList<>();
        private final WebClient client;
        private final Semaphore slots;
        private final AtomicInteger calls = new AtomicInteger();
        private final Thread sender;
        private volatile boolean closed;

        private SteadyLoad(WebClient client, int inFlight) {
            this.client = client;
            slots = new Semaphore(inFlight);
            sender = new Thread(this::send, "steady-load");
        }

        static SteadyLoad start(WebClient client, int inFlight) {
            final SteadyLoad load = new SteadyLoad(client, inFlight);
            load.sender.start();
            return load;
        }

        private void send() {
            while (!closed) {
                try {
                    slots.acquire();
                } catch (InterruptedException e) {
                    return;
                }
                client.get("/").aggregate().handle((res, cause) -> {
                    if (cause != null) {
                        failures.add(cause.toString());
                    } else if (!res.status().isSuccess()) {
                        failures.add(res.status().toString());
                    }
                    calls.incrementAndGet();
                    slots.release();
                    return null;
                });
            }
        }

        int calls() {
            return calls.get();
        }

        void awaitCalls(int count) {
            await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() >= count);
        }

        @Override
        public void close() throws InterruptedException {
            closed = true;
            sender.interrupt();
            sender.join();
        }
    }

    /** One backend's share of the requests several get, since a start or over the last second. */
    private static final class ShareWindow {

        private final Backend watched;
        private final List<Backend> all;
        private final Deque<long[]> samples = new ArrayDeque<>();

        ShareWindow(Backend watched, Backend... others) {
            this.watched = watched;
            all = new ArrayList<>(List.of(others));
            all.add(watched);
            sample();
        }

        /** Time, the watched backend's requests and all backends' requests, now. */
        private long[] sample() {
            final long[] sample = {
                System.nanoTime(),
                watched.hits.get(),
                all.stream().mapToLong(backend -> backend.hits.get()).sum()
            };
            samples.addLast(sample);
            return sample;
        }

        double sinceStart() {
            return share(samples.getFirst(), sample());
        }

        /** How many requests all backends got since the window started. */
        long requestsSinceStart() {
            return sample()[2] - samples.getFirst()[2];
        }

        /** The share over the last second; 0 until a second has passed. */
        double lastSecond() {
            final long[] now = sample();
            final long secondAgo = now[0] - Duration.ofSeconds(1).toNanos();
            // Keep the newest sample at least a second old first.
            while (samples.size() > 1) {
                final long[] first = samples.removeFirst();
                if (samples.getFirst()[0] > secondAgo) {
                    samples.addFirst(first);
                    break;
                }
            }
            final long[] first = samples.getFirst();
            return first[0] > secondAgo ? 0 : share(first, now);
        }

        private static double share(long[] from, long[] to) {
            final long total = to[2] - from[2];
            return total == 0 ? 0 : (double) (to[1] - from[1]) / total;
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
        // Issue 16: the registered weight was ignored, and each got half.
        //
        // Peak EWMA keeps an endpoint's slowest recent answer for about its decay (10 s), whatever the rate, so the
        // share of two endpoints follows the ratio of their worst answers over the run: on 2 busy cores a pause of
        // the caller or a cold start turned 20 ms answers into 30 ms ones on one side, and the share into 0.54. So
        // the answers take 100 ms, beside which such noise is small, 32 at a time to keep the run short, and the
        // calling path is warmed up first, on another service, so that no answer of the race pays for a JIT.
        try (Backend warmup = Backend.start(registry.client(), "warmup", "w", Backend.slow("w", Duration.ofMillis(1)));
                Backend light = Backend.start(
                        registry.client(), "orders", "light", 100, Backend.slow("l", Duration.ofMillis(100)));
                Backend heavy = Backend.start(
                        registry.client(), "orders", "heavy", 200, Backend.slow("h", Duration.ofMillis(100)));
                MeshClient mesh = MeshClient.builder(registry.uri()).plaintext().build()) {
            final WebClient warmupClient = mesh.webClient("warmup");
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> mesh.endpoints(ServiceName.of("warmup")).size() == 1);
            assertThat(Load.send(warmupClient, 2000, 32).failures).isEmpty();
            final WebClient orders = connected(mesh, 2);

            final Load load = Load.send(orders, 1200, 32);

            assertThat(load.failures).isEmpty();
            assertThat(heavy.hits.get() / 1200.0)
                    .as("the heavy instance's share of calls 32 at a time")
                    .isCloseTo(2 / 3.0, within(0.07));
            assertThat(light.hits.get() + heavy.hits.get()).isEqualTo(1200);
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
