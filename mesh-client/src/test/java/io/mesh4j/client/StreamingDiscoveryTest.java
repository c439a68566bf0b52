package io.mesh4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.ClientFactory;

import io.mesh4j.client.internal.discovery.RegistryEndpointGroup;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.registry.MeshRegistry;

/**
 * Discovery over watch streams: a registry that offers them carries every change on one stream; one that does not
 * (a registry from before streams, or one told not to) is long-polled instead, with the same answers; a stream
 * whose registry goes away is followed, through a long poll that fails over, by a stream on the next address.
 */
class StreamingDiscoveryTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");

    @TempDir
    Path dirA;

    @TempDir
    Path dirB;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private MeshRegistry registry(Path dataDir, boolean streams) {
        final MeshRegistry registry = MeshRegistry.builder()
                .plaintext()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .watchStreams(streams)
                .build()
                .start()
                .join();
        toClose.add(registry);
        return registry;
    }

    private RegistryEndpointGroup watch(RegistryClient client) {
        final RegistryEndpointGroup group = RegistryEndpointGroup.builder(client, ORDERS)
                .heartbeat(Duration.ofMillis(500))
                .build();
        toClose.add(group);
        await().atMost(Duration.ofSeconds(5)).until(() -> group.answers() >= 1);
        return group;
    }

    private static void registerThree(RegistryClient client, String prefix) {
        for (int i = 0; i < 3; i++) {
            client.register(
                            ORDERS,
                            InstanceId.of(prefix + i),
                            Registration.builder("127.0.0.1", 9000 + i).build())
                    .join();
        }
    }

    @Test
    void aRegistryThatStreamsCarriesEveryChangeOnTheStream() {
        final RegistryClient client = RegistryClient.of(registry(dirA, true).uri());
        final RegistryEndpointGroup group = watch(client);

        registerThree(client, "o-");

        await().atMost(Duration.ofSeconds(5)).until(() -> group.endpoints().size() == 3);
        assertThat(group.streamedAnswers())
                .as("answers that came on the stream")
                .isGreaterThanOrEqualTo(1);
        assertThat(group.streamedAnswers()).isEqualTo(group.answers() - 1); // all but the first read
    }

    @Test
    void aRegistryWithoutStreamsIsLongPolledWithTheSameAnswers() {
        final RegistryClient client = RegistryClient.of(registry(dirA, false).uri());
        final RegistryEndpointGroup group = watch(client);

        registerThree(client, "o-");

        await().atMost(Duration.ofSeconds(5)).until(() -> group.endpoints().size() == 3);
        assertThat(group.streamedAnswers()).isZero();
        assertThat(group.changeAnswers()).isGreaterThanOrEqualTo(1);
        assertThat(group.isServingLastKnown()).isFalse();
    }

    @Test
    void aStreamWhoseRegistryStopsIsFollowedByOneOnTheNextAddress() {
        final MeshRegistry a = registry(dirA, true);
        final MeshRegistry b = registry(dirB, true);
        final ClientFactory factory = ClientFactory.builder().build();
        toClose.add(factory);
        final RegistryClient both = RegistryClient.of(List.of(a.uri(), b.uri()), factory);
        final RegistryClient onA = RegistryClient.of(a.uri());
        final RegistryClient onB = RegistryClient.of(b.uri());
        registerThree(onA, "a-");
        // A's index well past anything B will have: B, a registry of its own history here (not a replica over the
        // same etcd, whose indexes would agree), answers an index it never had with its full list.
        for (int i = 0; i < 70; i++) {
            onA.register(
                            ORDERS,
                            InstanceId.of("a-0"),
                            Registration.builder("127.0.0.1", 9100 + i % 2).build())
                    .join();
        }
        final RegistryEndpointGroup group = watch(both);
        await().atMost(Duration.ofSeconds(5)).until(() -> group.endpoints().size() == 3);

        a.close();
        registerThree(onB, "b-");
        onB.register(
                        ORDERS,
                        InstanceId.of("b-3"),
                        Registration.builder("127.0.0.1", 9003).build())
                .join();

        await().atMost(Duration.ofSeconds(10))
                .until(() -> group.endpoints().size() == 4
                        && group.endpoints().stream()
                                .allMatch(endpoint -> endpoint.attr(RegistryEndpointGroup.INSTANCE_ID)
                                        .value()
                                        .startsWith("b-")));
        assertThat(both.uri()).isEqualTo(b.uri());
        // The next change on B comes on a stream again, not only through long polls.
        final long streamedBefore = group.streamedAnswers();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            onB.deregister(ORDERS, InstanceId.of("b-3")).join();
            onB.register(
                            ORDERS,
                            InstanceId.of("b-3"),
                            Registration.builder("127.0.0.1", 9003).build())
                    .join();
            assertThat(group.streamedAnswers()).isGreaterThan(streamedBefore);
        });
    }
}
