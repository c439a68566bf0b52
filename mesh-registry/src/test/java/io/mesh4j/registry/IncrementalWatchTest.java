package io.mesh4j.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.ConnectionPoolListener;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.SessionProtocol;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.InstancesChanges;
import io.mesh4j.core.internal.registry.InstancesSnapshot;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.netty.util.AttributeMap;

/**
 * Incremental watches ({@code ?index=N&changes=true}): through a random run of 1,000 registrations, updates and
 * removals, the changes since any recent index, applied to what a watcher held at that index, are exactly what a
 * full read answers; an index older than the history, or of no history, gets the full list marked as such. On the
 * file store, and on etcd with the changes made through one replica and watched through another.
 */
class IncrementalWatchTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");
    private static final Duration WAIT = Duration.ofSeconds(5);

    @RegisterExtension
    static final EtcdCluster etcd = new EtcdCluster();

    @TempDir
    Path dirA;

    @TempDir
    Path dirB;

    private final List<MeshRegistry> registries = new ArrayList<>();

    @AfterEach
    void stop() {
        registries.forEach(MeshRegistry::close);
    }

    private MeshRegistry start(Path dataDir, boolean overEtcd) {
        final MeshRegistry.Builder builder =
                MeshRegistry.builder().plaintext().host("127.0.0.1").port(0).dataDir(dataDir);
        if (overEtcd) {
            builder.etcd(etcd.endpoints());
        }
        final MeshRegistry registry = builder.build().start().join();
        registries.add(registry);
        return registry;
    }

    @Test
    void changesAgreeWithFullReadsOnTheFileStore() {
        final RegistryClient client = RegistryClient.of(start(dirA, false).uri());
        changesAgreeWithFullReads(client, client);
    }

    @Test
    void changesAgreeWithFullReadsOnEtcdAcrossReplicas() {
        final RegistryClient writer = RegistryClient.of(start(dirA, true).uri());
        final RegistryClient watcher = RegistryClient.of(start(dirB, true).uri());
        changesAgreeWithFullReads(writer, watcher);
    }

    @Test
    void aChangesParameterOtherThanTrueOrFalseIsRefusedNamingBoth() {
        final MeshRegistry registry = start(dirA, false);
        final AggregatedHttpResponse answer =
                new Http(registry.uri()).get("/v1/services/orders/instances?index=0&changes=yes");
        assertThat(answer.status().code()).isEqualTo(400);
        assertThat(Http.error(answer).message())
                .contains("changes: 'yes'")
                .contains("true")
                .contains("false");
    }

    @Test
    void aHeldIncrementalWatchIsAnsweredWithTheOneChange() {
        final MeshRegistry registry = start(dirA, false);
        final RegistryClient client = RegistryClient.of(registry.uri());
        for (int i = 0; i < 50; i++) {
            client.register(
                            ORDERS,
                            InstanceId.of("o-" + i),
                            Registration.builder("10.0.0." + i, 8080).build())
                    .join();
        }
        final InstancesSnapshot before = client.instances(ORDERS).join();
        final CompletableFuture<InstancesChanges> watch =
                client.watchChanges(ORDERS, before.index(), Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.heldWatches() == 1);

        client.deregister(ORDERS, InstanceId.of("o-7")).join();

        final InstancesChanges changes = watch.join();
        assertThat(changes.full()).isFalse();
        assertThat(changes.since()).isEqualTo(before.index());
        assertThat(changes.upserted()).isEmpty();
        assertThat(changes.removed()).containsExactly(InstanceId.of("o-7"));
        assertThat(changes.applyTo(before.instances()))
                .isEqualTo(client.instances(ORDERS).join());
    }

    @Test
    void theWatchesOfOneClientShareOneHttp2Connection() {
        final MeshRegistry registry = start(dirA, false);
        final AtomicInteger opened = new AtomicInteger();
        final List<SessionProtocol> protocols = new CopyOnWriteArrayList<>();
        final ClientFactory factory = ClientFactory.builder()
                .connectionPoolListener(new ConnectionPoolListener() {
                    @Override
                    public void connectionOpen(
                            SessionProtocol protocol,
                            InetSocketAddress remoteAddr,
                            InetSocketAddress localAddr,
                            AttributeMap attrs) {
                        opened.incrementAndGet();
                        protocols.add(protocol);
                    }

                    @Override
                    public void connectionClosed(
                            SessionProtocol protocol,
                            InetSocketAddress remoteAddr,
                            InetSocketAddress localAddr,
                            AttributeMap attrs) {}
                })
                .build();
        try {
            final RegistryClient client = RegistryClient.of(registry.uri(), factory);
            final List<CompletableFuture<InstancesChanges>> watches = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                watches.add(client.watchChanges(ServiceName.of("svc-" + i), 0, Duration.ofSeconds(30)));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> registry.heldWatches() == 100);

            // A hundred calls held at once on one connection: HTTP/2 streams (Armeria does not pipeline HTTP/1.1,
            // so HTTP/1.1 would have needed a hundred connections).
            assertThat(opened).as("connections opened for 100 held watches").hasValue(1);
            assertThat(protocols).hasSize(1);
            watches.forEach(watch -> watch.cancel(false));
        } finally {
            factory.close();
        }
    }

    private static void changesAgreeWithFullReads(RegistryClient writer, RegistryClient watcher) {
        final Random random = new Random(13);
        // What a watcher held after each change: the full read at that index.
        final List<InstancesSnapshot> held = new ArrayList<>();
        held.add(watcher.instances(ORDERS).join());
        int fullAnswers = 0;
        int changeAnswers = 0;
        for (int step = 1; step <= 1000; step++) {
            final InstanceId id = InstanceId.of("o-" + random.nextInt(12));
            final long index;
            if (random.nextInt(3) == 0) {
                index = writer.deregister(ORDERS, id)
                        .thenCompose(unused -> writer.instances(ORDERS))
                        .join()
                        .index();
            } else {
                index = writer.register(
                                ORDERS,
                                id,
                                Registration.builder("10.0.0." + random.nextInt(4), 8080 + random.nextInt(3))
                                        .weight(1 + random.nextInt(3))
                                        .metadata(Map.of("version", "v" + random.nextInt(2)))
                                        .ttl(Duration.ofMinutes(5))
                                        .build())
                        .join();
            }
            // The watcher's replica has heard the change (at once, on one registry).
            await().atMost(Duration.ofSeconds(10))
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> watcher.instances(ORDERS).join().index() >= index);
            final InstancesSnapshot now = watcher.instances(ORDERS).join();
            if (now.index() != held.get(held.size() - 1).index()) {
                held.add(now);
            }
            if (step % 10 == 0) {
                for (int lag : new int[] {1, 3, 10, 30}) {
                    if (held.size() > lag) {
                        final InstancesSnapshot from = held.get(held.size() - 1 - lag);
                        final InstancesChanges changes =
                                watcher.watchChanges(ORDERS, from.index(), WAIT).join();
                        assertThat(changes.full())
                                .as("the changes from %s changes back are in the history", lag)
                                .isFalse();
                        assertThat(changes.since()).isEqualTo(from.index());
                        assertThat(changes.applyTo(from.instances()))
                                .as("changes since index %s applied", from.index())
                                .isEqualTo(now);
                        changeAnswers++;
                    }
                }
            }
        }
        assertThat(held.size()).as("changes made").isGreaterThan(500);
        final InstancesSnapshot now = watcher.instances(ORDERS).join();
        // Older than the history (64 changes), from nothing, and from an index of no history: the full list.
        for (long old : new long[] {held.get(held.size() - 100).index(), 0, now.index() + 1_000_000}) {
            final InstancesChanges changes =
                    watcher.watchChanges(ORDERS, old, WAIT).join();
            assertThat(changes.full()).as("a watch from index %s", old).isTrue();
            assertThat(changes.applyTo(List.of())).isEqualTo(now);
            fullAnswers++;
        }
        assertThat(changeAnswers).isGreaterThan(300);
        assertThat(fullAnswers).isEqualTo(3);
    }
}
