package io.mesh4j.kubernetes.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.Server;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.mesh4j.client.MeshClient;
import io.mesh4j.client.discovery.EndpointAttributes;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.BossGroups;
import io.mesh4j.registry.MeshRegistry;

/**
 * A mesh client calling a Service whose endpoints come from EndpointSlices on fabric8's mock API server in CRUD mode
 * (real HTTP, real lists and watches), run in a JVM of its own, with real servers on loopback addresses behind them. Not a real cluster: the
 * mock stores what it is sent and streams watch events of it, but runs no controllers.
 */
class KubernetesDiscoveryTest {

    private static final ServiceName PAYMENTS = ServiceName.of("payments");

    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final List<Server> servers = new ArrayList<>();
    /** One API server for the class (a JVM takes seconds to start); each test has a namespace of its own. */
    private static MockApiServer api;

    private static KubernetesClient kubernetes;
    private MeshRegistry registry;
    private Path dataDir;
    private MeshClient mesh;
    private int port;

    private String namespace;

    @BeforeAll
    static void startApiServer() throws IOException {
        api = MockApiServer.start();
        kubernetes = api.newClient();
    }

    @AfterAll
    static void stopApiServer() throws Exception {
        kubernetes.close();
        api.close();
    }

    @BeforeEach
    void start(TestInfo test) throws IOException {
        namespace = test.getTestMethod().orElseThrow().getName().startsWith("follows") ? "prod" : "staging";
        // The route configs of every called service still come from the registry.
        dataDir = Files.createTempDirectory("mesh4j-registry-");
        registry = MeshRegistry.builder()
                .plaintext()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .build();
        registry.start();
        // Pods share the Service's target port, each at its own address: three loopback addresses, one port.
        port = serve("127.0.0.1", 0);
        serve("127.0.0.2", port);
        serve("127.0.0.3", port);
        mesh = MeshClient.builder(registry.uri())
                .plaintext()
                .discovery(
                        "payments",
                        KubernetesDiscovery.builder("payments")
                                .namespace(namespace)
                                .port("http")
                                .client(kubernetes)
                                .build())
                .build();
    }

    @AfterEach
    void stop() throws Exception {
        mesh.close();
        servers.forEach(Server::close);
        registry.close();
        try (var files = Files.walk(dataDir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        }
    }

    private int serve(String address, int port) throws IOException {
        final AtomicInteger count = hits.computeIfAbsent(address, unused -> new AtomicInteger());
        final Server server = Server.builder()
                // Nothing to drain in a test, and no 2 s quiet period for the boss group either (see BossGroups).
                .gracefulShutdownTimeout(Duration.ZERO, Duration.ZERO)
                .connectionDrainDuration(Duration.ZERO)
                .bossGroupFactory(BossGroups::newBossGroup)
                .http(new InetSocketAddress(InetAddress.getByName(address), port))
                .service("/", (ctx, req) -> {
                    count.incrementAndGet();
                    return HttpResponse.of(address);
                })
                .build();
        server.start().join();
        servers.add(server);
        return server.activeLocalPort();
    }

    /** A slice of payments in the test's namespace: {@code ready} by address, in zone eu-1a, with an http and a metrics port. */
    private EndpointSlice slice(String name, Map<String, Boolean> ready) {
        return new EndpointSliceBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .addToLabels("kubernetes.io/service-name", "payments")
                .endMetadata()
                .withAddressType("IPv4")
                .addNewPort()
                .withName("metrics")
                .withPort(9090)
                .withProtocol("TCP")
                .endPort()
                .addNewPort()
                .withName("http")
                .withPort(port)
                .withProtocol("TCP")
                .endPort()
                .withEndpoints(ready.entrySet().stream()
                        .map(e -> new EndpointBuilder()
                                .withAddresses(e.getKey())
                                .withNewConditions()
                                .withReady(e.getValue())
                                .endConditions()
                                .withZone("eu-1a")
                                .build())
                        .toList())
                .build();
    }

    private void apply(EndpointSlice slice) {
        kubernetes.resource(slice).createOr(NonDeletingOperation::update);
    }

    private List<String> endpoints() {
        return mesh.endpoints(PAYMENTS).stream().map(Endpoint::host).sorted().toList();
    }

    @Test
    void followsAScaleUpAScaleDownAndAPodGoingUnreadyWithoutAFailedCall() throws Exception {
        apply(slice("payments-a", Map.of("127.0.0.1", true)));
        final WebClient payments = mesh.webClient("payments");
        await().atMost(Duration.ofSeconds(10)).until(() -> endpoints().equals(List.of("127.0.0.1")));
        assertThat(mesh.endpoints(PAYMENTS).get(0).attr(EndpointAttributes.ZONE))
                .isEqualTo("eu-1a");

        // Idempotent calls, one after another, for the whole test.
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicInteger calls = new AtomicInteger();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        final Thread load = new Thread(() -> {
            while (running.get()) {
                try {
                    final AggregatedHttpResponse res =
                            payments.get("/").aggregate().join();
                    if (res.status().code() != 200) {
                        failures.add(res.status().toString());
                    }
                } catch (RuntimeException e) {
                    failures.add(e.toString());
                }
                calls.incrementAndGet();
            }
        });
        load.start();
        try {
            // Scale-up: a second pod in the same slice, then a third in a slice of its own.
            apply(slice("payments-a", Map.of("127.0.0.1", true, "127.0.0.2", true)));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> hits.get("127.0.0.2").get() > 0);
            apply(slice("payments-b", Map.of("127.0.0.3", true)));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> hits.get("127.0.0.3").get() > 0);
            assertThat(endpoints()).containsExactly("127.0.0.1", "127.0.0.2", "127.0.0.3");

            // A pod going unready stays in its slice, and is called no more.
            apply(slice("payments-a", Map.of("127.0.0.1", true, "127.0.0.2", false)));
            await().atMost(Duration.ofSeconds(10)).until(() -> endpoints().equals(List.of("127.0.0.1", "127.0.0.3")));
            // The load is one call at a time: two more calls done, and none picked before the change is in flight.
            final int settled = calls.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() >= settled + 2);
            final int unreadyHits = hits.get("127.0.0.2").get();
            final int before = calls.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() >= before + 50);
            assertThat(hits.get("127.0.0.2")).hasValue(unreadyHits);

            // Scale-down: its slice deleted, then the pod stops, as Kubernetes does within its grace period.
            kubernetes.resource(slice("payments-b", Map.of())).delete();
            await().atMost(Duration.ofSeconds(10)).until(() -> endpoints().equals(List.of("127.0.0.1")));
            final int drained = calls.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() >= drained + 2);
            servers.get(2).stop().join();
            final int afterScaleDown = calls.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() >= afterScaleDown + 50);
        } finally {
            running.set(false);
            load.join();
        }
        assertThat(failures).as("failed calls of %s", calls.get()).isEmpty();
        assertThat(calls.get()).isGreaterThan(100);
    }

    @Test
    void aWatchAnsweredWith410GoneListsAgainAndSeesWhatTheWatchMissed() throws IOException {
        final long[] before = api.stats();
        apply(slice("payments-a", Map.of("127.0.0.1", true)));
        // The first watch, opened from the first list's resourceVersion, is told that version is gone; meanwhile a
        // slice appeared that no watch will report.
        api.goneOnNextWatch(slice("payments-b", Map.of("127.0.0.2", true)));
        final WebClient payments = mesh.webClient("payments");

        await().atMost(Duration.ofSeconds(10)).until(() -> endpoints().equals(List.of("127.0.0.1", "127.0.0.2")));
        final long[] after = api.stats();
        assertThat(after[2] - before[2]).as("watches answered 410 Gone").isEqualTo(1);
        assertThat(after[0] - before[0]).as("lists").isEqualTo(2);
        // And the watch opened after the second list follows changes again.
        apply(slice("payments-a", Map.of("127.0.0.1", true, "127.0.0.3", true)));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> endpoints().equals(List.of("127.0.0.1", "127.0.0.2", "127.0.0.3")));
        final Map<String, Long> answers = new HashMap<>();
        for (int i = 0; i < 30; i++) {
            answers.merge(payments.get("/").aggregate().join().contentUtf8(), 1L, Long::sum);
        }
        assertThat(answers.keySet()).containsExactlyInAnyOrder("127.0.0.1", "127.0.0.2", "127.0.0.3");
    }
}
