package io.mesh4j.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.AggregatedHttpResponse;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.InstancesChanges;
import io.mesh4j.core.internal.registry.InstancesSnapshot;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.registry.internal.RegistryAccess;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

/**
 * Streaming watches ({@code ?index=N&changes=true&stream=true}) on real registries: a TLS registry on the file store,
 * and two replicas over a real etcd. Events arrive in order, each the changes since the one before, and agree with a
 * full read after a random run of changes; a watcher resumes by index, on the same registry or on another replica;
 * a too-old index gets the full list first; a watcher that stops reading is cut off rather than buffered for.
 */
class WatchStreamTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");
    private static final Duration HEARTBEAT = Duration.ofMillis(500);

    @RegisterExtension
    static final EtcdCluster etcd = new EtcdCluster();

    @TempDir
    Path dirA;

    @TempDir
    Path dirB;

    private final List<MeshRegistry> registries = new ArrayList<>();
    private final List<CompletableFuture<?>> streams = new ArrayList<>();

    @AfterEach
    void stop() {
        streams.forEach(stream -> stream.cancel(false));
        registries.forEach(MeshRegistry::close);
    }

    private MeshRegistry tlsRegistry(Path dataDir) {
        final MeshRegistry registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .build()
                .start()
                .join();
        registries.add(registry);
        return registry;
    }

    /** What one stream delivered, and the instances it holds after applying each event in turn. */
    private static final class Watcher {
        final List<InstancesChanges> events = new CopyOnWriteArrayList<>();
        volatile InstancesSnapshot held;
        volatile @Nullable String disorder;

        Watcher(InstancesSnapshot start) {
            held = start;
        }

        void accept(InstancesChanges changes) {
            if (!changes.full() && changes.since() != held.index()) {
                disorder = "an event since " + changes.since() + " came to a watcher at " + held.index();
            }
            events.add(changes);
            held = changes.applyTo(held.instances());
        }
    }

    private Watcher stream(RegistryClient client, InstancesSnapshot from) {
        final Watcher watcher = new Watcher(from);
        final CompletableFuture<@Nullable InstancesChanges> stream =
                client.streamChanges(ORDERS, from.index(), HEARTBEAT, watcher::accept);
        streams.add(stream);
        return watcher;
    }

    @Test
    void eventsArriveInOrderAndAgreeWithAFullReadOnTheFileStoreOverTls() {
        final RegistryClient client = RegistryAccess.ADMIN_CLIENT.get(tlsRegistry(dirA));
        final Watcher watcher = stream(client, client.instances(ORDERS).join());

        final long last = randomChanges(client, 300, new Random(7));

        awaitCaughtUp(watcher, last);
        assertThat(watcher.disorder).isNull();
        assertThat(watcher.held).isEqualTo(client.instances(ORDERS).join());
        assertThat(watcher.events).noneMatch(InstancesChanges::full);
        // Each event is its change (or the few that came while the previous one was written), never more.
        assertThat(watcher.events.size()).isGreaterThan(30);
    }

    @Test
    void aWatcherResumesByIndexAndOneTooFarBehindGetsTheFullListFirst() {
        final RegistryClient client = RegistryAccess.ADMIN_CLIENT.get(tlsRegistry(dirA));
        randomChanges(client, 20, new Random(1));
        final InstancesSnapshot before = client.instances(ORDERS).join();

        // Away for a few changes: the stream opened again from the index held answers only those.
        final long few = randomChanges(client, 5, new Random(2));
        final Watcher resumed = stream(client, before);
        awaitCaughtUp(resumed, few);
        assertThat(resumed.events.get(0).full()).isFalse();
        assertThat(resumed.events.get(0).since()).isEqualTo(before.index());
        assertThat(resumed.held).isEqualTo(client.instances(ORDERS).join());

        // Away for more than the history holds (64 changes): the full list, then the changes as they come.
        final long many = randomChanges(client, 100, new Random(3));
        final Watcher behind = stream(client, before);
        awaitCaughtUp(behind, many);
        assertThat(behind.events.get(0).full()).isTrue();
        final long more = randomChanges(client, 5, new Random(4));
        awaitCaughtUp(behind, more);
        assertThat(behind.events.subList(1, behind.events.size())).noneMatch(InstancesChanges::full);
        assertThat(behind.disorder).isNull();
        assertThat(behind.held).isEqualTo(client.instances(ORDERS).join());
    }

    @Test
    void aStreamOnAReplicaOverEtcdCarriesWhatAnotherReplicaWroteAndResumesOnTheOther() {
        final MeshRegistry a = etcd.replica(dirA);
        final MeshRegistry b = etcd.replica(dirB);
        registries.add(a);
        registries.add(b);
        final RegistryClient writer = RegistryClient.of(a.uri());
        final RegistryClient watcherB = RegistryClient.of(b.uri());
        final Watcher onB = stream(watcherB, watcherB.instances(ORDERS).join());

        final long last = randomChanges(writer, 60, new Random(11));

        awaitCaughtUp(onB, last);
        assertThat(onB.disorder).isNull();
        assertThat(onB.held).isEqualTo(watcherB.instances(ORDERS).join());
        assertThat(onB.events).noneMatch(InstancesChanges::full);

        // B's index, taken to A after more changes: A answers only what changed since, as B would have.
        final InstancesSnapshot heldOnB = onB.held;
        final long later = randomChanges(writer, 10, new Random(12));
        final Watcher onA = stream(RegistryClient.of(a.uri()), heldOnB);
        awaitCaughtUp(onA, later);
        assertThat(onA.events.get(0).full()).isFalse();
        assertThat(onA.events.get(0).since()).isEqualTo(heldOnB.index());
        assertThat(onA.held).isEqualTo(writer.instances(ORDERS).join());
    }

    @Test
    void aStreamOnAReplicaThatLosesEtcdSaysItIsStaleAndTheClientLeavesIt() {
        final MeshRegistry b = etcd.replica(dirB);
        registries.add(b);
        final RegistryClient client = RegistryClient.of(b.uri());
        final CompletableFuture<@Nullable InstancesChanges> stream =
                client.streamChanges(ORDERS, client.instances(ORDERS).join().index(), HEARTBEAT, changes -> {});
        streams.add(stream);
        etcd.killAll();
        try {
            // The next line it writes, a heartbeat at the latest, carries "stale": true.
            await().atMost(Duration.ofSeconds(20)).until(stream::isDone);
            assertThat(catchThrowable(stream::join)).hasMessageContaining("stale");
        } finally {
            etcd.restartAll();
        }
    }

    @Test
    void aStreamIsRefusedWithoutChangesOrWithAHeartbeatTooShort() {
        final MeshRegistry registry = tlsRegistry(dirA);
        final RegistryClient client = RegistryAccess.ADMIN_CLIENT.get(registry);
        final AggregatedHttpResponse noChanges = client.getAnswer("/v1/services/orders/instances?index=0&stream=true")
                .join();
        assertThat(noChanges.status().code()).isEqualTo(400);
        assertThat(noChanges.contentUtf8()).contains("changes=true");
        final AggregatedHttpResponse tooShort = client.getAnswer(
                        "/v1/services/orders/instances?index=0&changes=true&stream=true&wait=10ms")
                .join();
        assertThat(tooShort.status().code()).isEqualTo(400);
        assertThat(tooShort.contentUtf8()).contains("at least 100ms");
        final AggregatedHttpResponse notABoolean = client.getAnswer(
                        "/v1/services/orders/instances?index=0&changes=true&stream=yes")
                .join();
        assertThat(notABoolean.status().code()).isEqualTo(400);
        assertThat(notABoolean.contentUtf8()).contains("stream: 'yes'");
    }

    @Test
    void aWatcherThatStopsReadingIsCutOffWhileOneThatReadsKeepsItsStream() throws Exception {
        final MeshRegistry registry = tlsRegistry(dirA);
        final RegistryClient client = RegistryAccess.ADMIN_CLIENT.get(registry);
        final InstancesSnapshot start = client.instances(ORDERS).join();
        final Watcher reader = stream(client, start);
        final CompletableFuture<?> readerStream = streams.get(0);
        final String token = Files.readString(dirA.resolve("admin.token"), StandardCharsets.US_ASCII)
                .strip();

        final SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
        try (Socket plain = new Socket()) {
            // A small window, so that what the registry writes backs up into it soon.
            plain.setReceiveBufferSize(4096);
            plain.connect(new InetSocketAddress("127.0.0.1", registry.port()));
            try (SSLSocket slow =
                    (SSLSocket) tls.getSocketFactory().createSocket(plain, "127.0.0.1", registry.port(), true)) {
                slow.startHandshake();
                final OutputStream out = slow.getOutputStream();
                out.write(("GET /v1/services/orders/instances?index=" + start.index()
                                + "&changes=true&stream=true&wait=" + HEARTBEAT.toMillis() + "ms HTTP/1.1\r\n"
                                + "Host: 127.0.0.1\r\nAuthorization: Bearer " + token + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                // Both streams are open, and none was cut off yet.
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> metric(client, "mesh4j_registry_watch_streams") == 2);
                final long cutOffBefore = metric(client, "mesh4j_registry_watch_streams_cut_off_total");
                assertThat(cutOffBefore).isZero();

                // Changes of ~40 KB each, far more than the socket buffers hold, while the slow one reads nothing.
                long last = 0;
                long written = 0;
                for (int i = 0; i < 200; i++) {
                    final Map<String, String> metadata = new LinkedHashMap<>();
                    for (int k = 0; k < 40; k++) {
                        metadata.put(
                                "k" + k, String.valueOf((char) ('a' + i % 26)).repeat(1000));
                    }
                    last = client.register(
                                    ORDERS,
                                    InstanceId.of("big-" + i % 4),
                                    Registration.builder("10.0.0.1", 8080)
                                            .metadata(metadata)
                                            .ttl(Duration.ofMinutes(5))
                                            .build())
                            .join();
                    written += 40 * 1000;
                }
                awaitCaughtUp(reader, last);
                // Two heartbeats without taking anything, and the registry gives up on it: its /metrics counts the
                // cut-off. Reading before it would take the stalled line and keep the stream alive, so the read
                // starts only once the count rose.
                await().atMost(Duration.ofSeconds(15))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> metric(client, "mesh4j_registry_watch_streams_cut_off_total") > cutOffBefore);
                // The cut stream closes right after it is counted; the reader's stays open.
                await().atMost(Duration.ofSeconds(5)).until(() -> metric(client, "mesh4j_registry_watch_streams") == 1);
                final ByteArrayOutputStream received = new ByteArrayOutputStream();
                final InputStream in = slow.getInputStream();
                slow.setSoTimeout((int) Duration.ofSeconds(2).toMillis());
                final long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                final byte[] buffer = new byte[8192];
                boolean ended = false;
                try {
                    // Bounded: a stream that was not cut off goes on with a heartbeat every 500 ms, and must fail
                    // this test rather than hang it.
                    for (int n; System.nanoTime() < deadline && (n = in.read(buffer)) >= 0; ) {
                        received.write(buffer, 0, n);
                    }
                    ended = System.nanoTime() < deadline;
                } catch (IOException e) {
                    ended = !(e instanceof java.net.SocketTimeoutException); // a reset is an end too
                }
                assertThat(ended)
                        .as("the registry ended the slow stream within 15 s")
                        .isTrue();
                final String text = received.toString(StandardCharsets.UTF_8);
                assertThat(text).startsWith("HTTP/1.1 200");
                // It got what the buffers held when it stopped, not every change: the rest was never queued for it.
                assertThat((long) received.size()).isLessThan(written);
                assertThat(text).doesNotContain("\"index\":" + last + ",");
            }
        }
        // The watcher that reads still has its stream, and hears the next change.
        assertThat(readerStream).isNotDone();
        final long next = client.deregister(ORDERS, InstanceId.of("big-0"))
                .thenCompose(unused -> client.instances(ORDERS))
                .join()
                .index();
        awaitCaughtUp(reader, next);
        assertThat(reader.disorder).isNull();
        assertThat(reader.held).isEqualTo(client.instances(ORDERS).join());
        // The reader was written a line per change it heard, at least.
        assertThat(metric(client, "mesh4j_registry_watch_stream_lines_total"))
                .isGreaterThanOrEqualTo(reader.events.size());
    }

    /** One sample of the registry's {@code GET /metrics}, by its name (a metric without labels). */
    private static long metric(RegistryClient client, String name) {
        final AggregatedHttpResponse metrics = client.getAnswer("/metrics").join();
        assertThat(metrics.status().code()).as(metrics.contentUtf8()).isEqualTo(200);
        for (String line : metrics.contentUtf8().split("\n")) {
            if (line.startsWith(name + ' ')) {
                return (long)
                        Double.parseDouble(line.substring(name.length() + 1).strip());
            }
        }
        throw new AssertionError("no " + name + " in the registry's /metrics:\n" + metrics.contentUtf8());
    }

    private static void awaitCaughtUp(Watcher watcher, long index) {
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> watcher.held.index() >= index || watcher.disorder != null);
    }

    /** Registers, updates and removes instances of a dozen ids at random; returns the index of the last change. */
    private static long randomChanges(RegistryClient client, int count, Random random) {
        long last = 0;
        for (int step = 0; step < count; step++) {
            final InstanceId id = InstanceId.of("o-" + random.nextInt(12));
            if (random.nextInt(3) == 0) {
                final long removed = client.deregister(ORDERS, id)
                        .thenCompose(unused -> client.instances(ORDERS))
                        .join()
                        .index();
                last = Math.max(last, removed);
            } else {
                last = client.register(
                                ORDERS,
                                id,
                                Registration.builder("10.0.0." + random.nextInt(4), 8080 + random.nextInt(3))
                                        .weight(1 + random.nextInt(3))
                                        .metadata(Map.of("version", "v" + random.nextInt(2)))
                                        .ttl(Duration.ofMinutes(5))
                                        .build())
                        .join();
            }
        }
        return last;
    }
}
