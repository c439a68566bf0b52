package io.mesh4j.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mesh4j.core.discovery.Instance;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.InstancesSnapshot;
import io.mesh4j.core.internal.registry.RegistryClient;

/** TTLs, on a clock the test moves: no test here sleeps through a TTL. */
class ExpiryTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");
    private static final InstanceId SILENT = InstanceId.of("silent");
    private static final InstanceId ALIVE = InstanceId.of("alive");

    @TempDir
    Path dataDir;

    private final FakeTicker ticker = new FakeTicker();
    private MeshRegistry registry;
    private RegistryClient client;

    @BeforeEach
    void start() {
        registry = start(dataDir, ticker);
        client = RegistryClient.of(registry.uri());
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    private static MeshRegistry start(Path dataDir, FakeTicker ticker) {
        return MeshRegistry.builder()
                .plaintext()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .ticker(ticker)
                .build()
                .start()
                .join();
    }

    private static Registration withTtl(int seconds) {
        return Registration.builder("10.0.0.7", 8080)
                .ttl(Duration.ofSeconds(seconds))
                .build();
    }

    @Test
    void anInstanceThatStopsHeartbeatingIsRemovedAndAHeartbeatedOneStays() throws Exception {
        client.register(ORDERS, SILENT, withTtl(15)).join();
        client.register(ORDERS, ALIVE, withTtl(15)).join();
        final CompletableFuture<InstancesSnapshot> watch = client.watch(ORDERS, 2, Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.heldWatches() == 1);

        ticker.advance(Duration.ofSeconds(10));
        assertThat(client.heartbeat(ORDERS, ALIVE).join()).isTrue();
        assertThat(registry.sweepNow().join()).isZero();
        ticker.advance(Duration.ofSeconds(10));
        assertThat(registry.sweepNow().join()).isEqualTo(1);

        final InstancesSnapshot afterExpiry =
                watch.orTimeout(5, TimeUnit.SECONDS).join();
        assertThat(afterExpiry.index()).isEqualTo(3);
        assertThat(afterExpiry.instances()).extracting(Instance::id).containsExactly(ALIVE);
        assertThat(Files.readString(dataDir.resolve("registry.log"))).contains("remove 3 orders silent expired");
    }

    @Test
    void heartbeatAfterExpiryAnswersNotFoundAndTheInstanceRegistersAgain() {
        client.register(ORDERS, SILENT, withTtl(5)).join();
        ticker.advance(Duration.ofSeconds(5));
        registry.sweepNow().join();

        assertThat(client.heartbeat(ORDERS, SILENT).join()).isFalse();

        assertThat(client.register(ORDERS, SILENT, withTtl(5)).join()).isEqualTo(3);
        assertThat(client.heartbeat(ORDERS, SILENT).join()).isTrue();
    }

    @Test
    void theSweeperExpiresOnItsOwn() {
        client.register(ORDERS, SILENT, withTtl(1)).join();

        ticker.advance(Duration.ofSeconds(2));

        await().atMost(Duration.ofSeconds(5))
                .until(() -> client.instances(ORDERS).join().instances().isEmpty());
    }

    @Test
    void registeringTheSameRegistrationAgainRenewsItsTtl() {
        client.register(ORDERS, SILENT, withTtl(15)).join();
        ticker.advance(Duration.ofSeconds(10));
        assertThat(client.register(ORDERS, SILENT, withTtl(15)).join()).isEqualTo(1);

        ticker.advance(Duration.ofSeconds(10));
        assertThat(registry.sweepNow().join()).isZero();
        ticker.advance(Duration.ofSeconds(6));
        assertThat(registry.sweepNow().join()).isEqualTo(1);
    }

    @Test
    void anInstanceTakesTheDefaultTtlOf15SecondsWhenItGivesNone() {
        new Http(registry.uri()).put("/v1/services/orders/instances/silent", "{\"host\":\"10.0.0.7\",\"port\":80}");

        ticker.advance(Duration.ofSeconds(14));
        assertThat(registry.sweepNow().join()).isZero();
        ticker.advance(Duration.ofSeconds(1));
        assertThat(registry.sweepNow().join()).isEqualTo(1);
    }

    @Test
    void afterARestartEveryInstanceHasAFreshTtl() {
        client.register(ORDERS, SILENT, withTtl(10)).join();
        ticker.advance(Duration.ofSeconds(9));
        registry.close();

        // Down for longer than the TTL: the instance comes back all the same, with its TTL from now.
        ticker.advance(Duration.ofSeconds(60));
        registry = start(dataDir, ticker);
        client = RegistryClient.of(registry.uri());
        assertThat(registry.sweepNow().join()).isZero();
        assertThat(client.instances(ORDERS).join().instances()).hasSize(1);

        ticker.advance(Duration.ofSeconds(9));
        assertThat(client.heartbeat(ORDERS, SILENT).join()).isTrue();
        ticker.advance(Duration.ofSeconds(10));
        assertThat(registry.sweepNow().join()).isEqualTo(1);
        assertThat(client.instances(ORDERS).join().index()).isEqualTo(2);
    }
}
