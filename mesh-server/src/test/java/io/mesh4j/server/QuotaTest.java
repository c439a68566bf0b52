package io.mesh4j.server;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.annotation.Get;

import io.mesh4j.core.annotation.RateLimit;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.registry.QuotaJson;
import io.mesh4j.core.routing.PathMatch;
import io.mesh4j.core.routing.QuotaSpec;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteMatch;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.core.telemetry.TelemetryConfig;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;

/**
 * Mesh-wide quotas against a real TLS registry and three real mTLS instances: the instances' shares follow their
 * demand and together hold the quota, a leaving instance's share flows to the others, and with the registry gone
 * the instances keep their leases, then fall back to the safe share, never waiting for a lease.
 */
class QuotaTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");
    private static final String QUOTA = "frontend-charge";
    private static final RouteConfig CONFIG = new RouteConfig(
            List.of(
                    RouteRule.builder("charge")
                            .match(new RouteMatch(PathMatch.of(PathMatch.Kind.EXACT, "/charge"), Set.of(), Map.of()))
                            .build(),
                    RouteRule.builder("rest").build()),
            Set.of(),
            List.of(new QuotaSpec(QUOTA, "charge", ServiceName.of("frontend"), 30, Duration.ofSeconds(1))));

    /** orders: a charge route under the quota, and one with the instance's own limit only. */
    public static final class OrdersService {
        @Get("/charge")
        public String charge() {
            return "charged";
        }

        @Get("/limited")
        @RateLimit(1)
        public String limited() {
            return "limited";
        }
    }

    @TempDir
    Path dataDir;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private @Nullable MeshRegistry registry;
    private final List<MeshServer> servers = new ArrayList<>();
    private final List<WebClient> asFrontend = new ArrayList<>();
    private @Nullable ScheduledExecutorService load;

    @BeforeEach
    void start() {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .build()
                .start()
                .join();
        final WorkloadIdentity frontend = TlsWorkloads.join(registry, "frontend", toClose);
        for (int i = 1; i <= 3; i++) {
            final MeshServerBuilder builder = MeshServer.builder("orders", registry.uri());
            if (i == 1) {
                // orders-1 shows its quotas in its metrics and health.
                final MeshTelemetry telemetry = MeshTelemetry.of(TelemetryConfig.ofDefaults());
                toClose.add(telemetry);
                builder.telemetry(telemetry).adminPort(0);
            }
            final MeshServer server = builder.identity(TlsWorkloads.join(registry, "orders", toClose))
                    .instanceId("orders-" + i)
                    .advertisedHost("127.0.0.1")
                    .drainPeriod(Duration.ZERO)
                    .annotatedService(new OrdersService())
                    .build();
            server.start().join();
            servers.add(server);
            asFrontend.add(TlsWorkloads.clientAs(frontend, server.port(), toClose));
        }
        RegistryAccess.ADMIN_CLIENT.get(registry).putRoutes(ORDERS, CONFIG).join();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> servers.stream().allMatch(s -> s.routeConfig().equals(CONFIG)));
    }

    @AfterEach
    void stop() throws Exception {
        if (load != null) {
            load.shutdownNow();
        }
        for (MeshServer server : servers) {
            server.stop().join();
        }
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    private String admin(String path) {
        return WebClient.of("http://127.0.0.1:"
                        + requireNonNull(servers.get(0).admin()).port())
                .get(path)
                .aggregate()
                .join()
                .contentUtf8();
    }

    private double share(int instance) {
        return servers.get(instance).quotaLeases().shareOf(QUOTA);
    }

    private double shareSum() {
        return share(0) + share(1) + share(2);
    }

    /** Counts of what the load got, and a refusal to read. */
    private static final class Outcomes {
        final AtomicLong sent = new AtomicLong();
        final AtomicInteger[] accepted = {new AtomicInteger(), new AtomicInteger(), new AtomicInteger()};
        final AtomicInteger refused = new AtomicInteger();
        final AtomicReference<@Nullable AggregatedHttpResponse> refusal = new AtomicReference<>();

        int acceptedTotal() {
            return accepted[0].get() + accepted[1].get() + accepted[2].get();
        }
    }

    /**
     * Offers {@code perSecond} requests to /charge as frontend, paced, spread over the instances by {@code
     * percents}; the pacing is the load's, and nothing waits on it.
     */
    private Outcomes offer(int perSecond, int... percents) {
        final Outcomes outcomes = new Outcomes();
        final ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
        this.load = load;
        load.scheduleAtFixedRate(
                () -> {
                    final long n = outcomes.sent.getAndIncrement();
                    final int slot = (int) (n % 100);
                    final int instance = slot < percents[0] ? 0 : slot < percents[0] + percents[1] ? 1 : 2;
                    asFrontend.get(instance).get("/charge").aggregate().thenAccept(res -> {
                        if (res.status() == HttpStatus.OK) {
                            outcomes.accepted[instance].incrementAndGet();
                        } else {
                            outcomes.refused.incrementAndGet();
                            outcomes.refusal.set(res);
                        }
                    });
                },
                0,
                TimeUnit.SECONDS.toNanos(1) / perSecond,
                TimeUnit.NANOSECONDS);
        return outcomes;
    }

    @Test
    void threeInstancesHoldTheQuotaTogetherWhileOneGetsMostOfTheLoad() {
        // 60 per second offered, 70/20/10: twice the quota of 30, most of it to orders-1.
        final Outcomes warmup = offer(60, 70, 20, 10);
        // Max-min fair by demand (42, 12, 6 per second): orders-3 gets its 6, orders-2 its 12, orders-1 the rest.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(share(2)).isCloseTo(6, within(2.5));
            assertThat(share(0)).isCloseTo(12, within(3.0));
            assertThat(shareSum()).isCloseTo(30, within(3.0));
        });
        final int acceptedBefore = warmup.acceptedTotal();
        final long sentBefore = warmup.sent.get();
        // Six seconds of load, counted in requests sent rather than time waited.
        await().atMost(Duration.ofSeconds(30)).until(() -> warmup.sent.get() >= sentBefore + 360);
        final long sent = warmup.sent.get() - sentBefore;
        final double seconds = sent / 60.0;
        final int accepted = warmup.acceptedTotal() - acceptedBefore;

        // The quota holds across the three: 30 per second, give or take a burst of a second and the lease lag.
        assertThat(accepted / seconds)
                .as("accepted per second over %.1f s", seconds)
                .isBetween(22.0, 40.0);
        final AggregatedHttpResponse refusal = warmup.refusal.get();
        assertThat(refusal).isNotNull();
        assertThat(refusal.status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
        assertThat(refusal.headers().get(QuotaJson.LIMIT_HEADER)).isEqualTo(QuotaJson.LIMIT_QUOTA);
        assertThat(refusal.headers().get(HttpHeaderNames.RETRY_AFTER)).isNotNull();
        assertThat(refusal.contentUtf8())
                .contains("\"error\":\"quota_exceeded\"")
                .contains("mesh-wide quota 'frontend-charge' of 30 requests per 1 s for rule 'charge' from frontend");
        // The registry's view agrees: three holders, and the refusals they reported.
        final String view = new String(
                RegistryAccess.ADMIN_CLIENT
                        .get(registry)
                        .getJson(QuotaJson.LIST_PATH)
                        .join(),
                java.nio.charset.StandardCharsets.UTF_8);
        assertThat(view)
                .contains("\"name\":\"frontend-charge\"")
                .contains("orders-1")
                .contains("orders-3");
    }

    @Test
    void theInstancesOwnLimitSaysSoSoThatAClientCanTellItFromTheQuota() {
        AggregatedHttpResponse last = null;
        for (int i = 0; i < 5; i++) {
            last = asFrontend.get(0).get("/limited").aggregate().join();
        }
        assertThat(last.status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
        assertThat(last.headers().get(QuotaJson.LIMIT_HEADER)).isEqualTo(QuotaJson.LIMIT_INSTANCE);
        assertThat(last.contentUtf8()).contains("\"error\":\"rate_limited\"");
    }

    @Test
    void anInstanceThatLeavesGivesItsShareToTheOthers() {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (int i = 0; i < 3; i++) {
                assertThat(servers.get(i).quotaLeases().isLeased(QUOTA)).isTrue();
                assertThat(share(i)).isCloseTo(10, within(0.01));
            }
        });

        servers.remove(2).stop().join();

        // Released at its stop: the two that stay split the quota at their next renewal.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(share(0)).isCloseTo(15, within(0.01));
            assertThat(share(1)).isCloseTo(15, within(0.01));
        });
    }

    @Test
    void withTheRegistryGoneAnInstanceKeepsItsLeaseThenFallsBackToTheSafeShare() {
        // Load on orders-1 only: it holds most of the quota.
        offer(40, 100, 0, 0);
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(share(0)).isCloseTo(28, within(1.5)));
        final double leased = share(0);

        registry.close();
        registry = null;

        // The lease holds until it expires (it has 7 s left at least): nothing changes at once.
        assertThat(servers.get(0).quotaLeases().isLeased(QUOTA)).isTrue();
        assertThat(share(0)).isEqualTo(leased);
        // Then the safe share: the quota over the three instances last known.
        await().atMost(Duration.ofSeconds(20))
                .until(() -> servers.get(0).quotaLeases().isFallback(QUOTA));
        assertThat(share(0)).isCloseTo(10, within(0.01));
        assertThat(servers.get(0).quotaLeases().describe())
                .contains("the safe share (quota / 3 instances) is enforced for frontend-charge");
        assertThat(admin("/healthz"))
                .startsWith("ok\n")
                .contains("quota leases: the registry does not answer; the safe share (quota / 3 instances) is "
                        + "enforced for frontend-charge (10.00/s)");
        // And requests are answered from the local bucket, never waiting for a lease.
        final AggregatedHttpResponse res = asFrontend
                .get(0)
                .get("/charge")
                .aggregate()
                .orTimeout(1, TimeUnit.SECONDS)
                .join();
        assertThat(res.status()).isIn(HttpStatus.OK, HttpStatus.TOO_MANY_REQUESTS);
    }
}
