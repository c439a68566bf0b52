package io.mesh4j.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.ClientFactory;

import io.mesh4j.core.discovery.Instance;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.InstancesSnapshot;
import io.mesh4j.core.internal.registry.RegistryClient;

/** The registry as a real process: its command line, SIGTERM, and {@code kill -9} under load. */
class RegistryProcessTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");

    @TempDir
    Path dir;

    private Path data() {
        return dir.resolve("data");
    }

    private Path logs() {
        return dir.resolve("logs");
    }

    @Test
    void killNineUnderLoadLosesNoAcknowledgedRegistration() throws Exception {
        final Map<InstanceId, Long> acknowledged = new ConcurrentHashMap<>();
        try (RegistryProcess registry = RegistryProcess.start(
                        logs(), "--plaintext", "--port", "0", "--host", "127.0.0.1", "--data-dir", data().toString());
                ClientFactory factory = ClientFactory.builder().build()) {
            final RegistryClient client = RegistryClient.of(registry.awaitListening(), factory);
            final AtomicBoolean stop = new AtomicBoolean();
            final ExecutorService threads = Executors.newFixedThreadPool(4);
            final List<CompletableFuture<Void>> writers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                final int thread = t;
                writers.add(CompletableFuture.runAsync(
                        () -> {
                            for (int i = 0; !stop.get() && i < 10_000; i++) {
                                final InstanceId id = InstanceId.of("t" + thread + "-" + i);
                                try {
                                    acknowledged.put(
                                            id,
                                            client.register(ORDERS, id, registration(i))
                                                    .join());
                                } catch (RuntimeException e) {
                                    return; // The registry is gone: what was not acknowledged may or may not be there.
                                }
                            }
                        },
                        threads));
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= 200);

            registry.kill();
            stop.set(true);
            CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            threads.shutdown();
        }
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(200);

        try (RegistryProcess restarted = RegistryProcess.start(
                        logs(), "--plaintext", "--port", "0", "--host", "127.0.0.1", "--data-dir", data().toString());
                ClientFactory factory = ClientFactory.builder().build()) {
            final RegistryClient client = RegistryClient.of(restarted.awaitListening(), factory);
            final InstancesSnapshot snapshot = client.instances(ORDERS).join();
            final Map<InstanceId, Instance> stored =
                    snapshot.instances().stream().collect(Collectors.toMap(Instance::id, instance -> instance));

            acknowledged
                    .keySet()
                    .forEach(id -> assertThat(stored.get(id))
                            .as("acknowledged %s", id)
                            .isEqualTo(registration(Integer.parseInt(
                                            id.value().substring(id.value().indexOf('-') + 1)))
                                    .toInstance(id)));
            assertThat(snapshot.index())
                    .isGreaterThanOrEqualTo(acknowledged.values().stream()
                            .mapToLong(Long::longValue)
                            .max()
                            .orElseThrow());
            // Each came back with a fresh TTL, so each can heartbeat.
            for (InstanceId id : acknowledged.keySet()) {
                assertThat(client.heartbeat(ORDERS, id).join())
                        .as("heartbeat of %s", id)
                        .isTrue();
            }
        }
    }

    private static Registration registration(int i) {
        return Registration.builder("10.0.0." + (1 + i % 250), 1024 + i)
                .ttl(Duration.ofSeconds(60))
                .build();
    }

    @Test
    void sigtermStopsCleanlyAndReleasesTheDataDirectory() throws Exception {
        final URI uri;
        try (RegistryProcess registry = RegistryProcess.start(
                logs(), "--plaintext", "--port", "0", "--host", "127.0.0.1", "--data-dir", data().toString())) {
            uri = registry.awaitListening();
            assertThat(registry.stdout().strip())
                    .isEqualTo("mesh-registry listening on http://127.0.0.1:" + uri.getPort() + " (data: "
                            + data().toAbsolutePath() + ')');
            assertThat(registry.stderr()).contains("mesh-wide default policy: allow");
            RegistryClient.of(uri)
                    .register(ORDERS, InstanceId.of("orders-1"), registration(1))
                    .join();

            assertThat(registry.terminate()).isEqualTo(143);
            assertThat(registry.stderr()).contains("stopped");
        }
        try (MeshRegistry registry = RegistryContractTest.start(data())) {
            assertThat(RegistryClient.of(registry.uri()).services().join()).hasSize(1);
        }
    }

    @Test
    void helpExplainsEveryFlagAndExitsZero() {
        final RegistryProcess help = RegistryProcess.start(logs(), "--help");

        assertThat(help.awaitExit()).isZero();
        // Joined into one line: picocli wraps the descriptions at 80 columns.
        assertThat(help.stdout().replaceAll("\\s+", " "))
                .contains(
                        "--port=PORT",
                        "--host=ADDRESS",
                        "--data-dir=DIR",
                        "--help",
                        "0 picks a free one",
                        "0.0.0.0 for every interface",
                        "never shared by two registries",
                        "--trust-domain=NAME",
                        "--leaf-ttl=DURATION",
                        "--ca-cert=FILE",
                        "--ca-key=FILE",
                        "--tls-name=NAME",
                        "--csr-rate=PER_SECOND",
                        "--csr-burst=N",
                        "answered 429 with Retry-After",
                        "a line for every admin action",
                        "--plaintext",
                        "the registry warns at start",
                        "--default-policy=allow|deny",
                        "deny (zero trust, recommended) or allow",
                        "--etcd=URL[,URL...]",
                        "several registries over one cluster serve one mesh",
                        "--lease-slack=PERCENT",
                        "removed between its TTL and its TTL plus the slack",
                        "--kubernetes-token-review",
                        "--kubernetes-namespaces=NAMESPACE",
                        "--kubernetes-account=NAMESPACE/ACCOUNT=SERVICE");
    }

    @Test
    void badFlagsExitTwoWithOneLineThatSaysWhatToChange() {
        assertOneLineError(
                RegistryProcess.start(logs(), "--bogus", "--data-dir", data().toString()), "Unknown option: '--bogus'");
        assertOneLineError(
                RegistryProcess.start(logs(), "--port", "70000", "--data-dir", data().toString()),
                "--port: 70000 (expected: 0..65535)");
        assertOneLineError(
                RegistryProcess.start(logs(), "--port", "seven", "--data-dir", data().toString()),
                "'seven' is not an int");
        assertOneLineError(RegistryProcess.start(logs(), "--port", "0"), "--data-dir");
        assertOneLineError(
                RegistryProcess.start(
                        logs(),
                        "--lease-slack",
                        "150",
                        "--etcd",
                        "http://127.0.0.1:2379",
                        "--data-dir",
                        data().toString()),
                "--lease-slack: 150 (expected: 0 to 100, in percent of the TTL)");
        assertOneLineError(
                RegistryProcess.start(logs(), "--lease-slack", "20", "--data-dir", data().toString()),
                "--lease-slack applies with --etcd only");
        assertOneLineError(
                RegistryProcess.start(logs(), "--csr-rate", "0", "--data-dir", data().toString()),
                "csr rate (--csr-rate): 0.0 per second (expected: > 0)");
        assertOneLineError(
                RegistryProcess.start(logs(), "--default-policy", "closed", "--data-dir", data().toString()),
                "--default-policy: 'closed' (expected: allow or deny)");
        assertOneLineError(
                RegistryProcess.start(logs(), "--etcd", "etcd-a:2379", "--data-dir", data().toString()),
                "--etcd: etcd-a:2379 (expected: http://host:port[,http://host:port...], such as "
                        + "http://127.0.0.1:2379)");
        assertOneLineError(
                RegistryProcess.start(logs(), "--kubernetes-namespaces", "shop", "--data-dir", data().toString()),
                "the --kubernetes-* flags go with --kubernetes-token-review");
        final String proxy = "http://127.0.0.1:8001";
        assertOneLineError(
                RegistryProcess.start(
                        logs(),
                        "--kubernetes-token-review",
                        "--kubernetes-api",
                        proxy,
                        "--kubernetes-account",
                        "shop/orders-v2",
                        "--data-dir",
                        data().toString()),
                "--kubernetes-account: shop/orders-v2 (expected: NAMESPACE/ACCOUNT=SERVICE, such as "
                        + "shop/orders-v2=orders)");
        assertOneLineError(
                RegistryProcess.start(
                        logs(),
                        "--kubernetes-token-review",
                        "--kubernetes-api",
                        proxy,
                        "--data-dir",
                        data().toString()),
                "admits nobody (expected: the namespaces whose service accounts may join");
        assertOneLineError(
                RegistryProcess.start(
                        logs(),
                        "--kubernetes-token-review",
                        "--kubernetes-api",
                        proxy,
                        "--kubernetes-namespaces",
                        "Shop_Prod",
                        "--data-dir",
                        data().toString()),
                "namespace: Shop_Prod (expected: a DNS-1123 label");
    }

    @Test
    void whatCannotStartExitsTwoWithOneLineAndNoStackTrace() throws Exception {
        final Path file = Files.writeString(dir.resolve("file"), "");
        assertOneLineError(RegistryProcess.start(logs(), "--port", "0", "--data-dir", file.toString()), "is a file");

        try (MeshRegistry running = RegistryContractTest.start(data())) {
            assertOneLineError(
                    RegistryProcess.start(logs(), "--port", "0", "--data-dir", data().toString()),
                    "in use by another registry");
            assertOneLineError(
                    RegistryProcess.start(
                            logs(),
                            "--port",
                            Integer.toString(running.port()),
                            "--host",
                            "127.0.0.1",
                            "--data-dir",
                            dir.resolve("other").toString()),
                    "port " + running.port() + " on 127.0.0.1 is in use");
        }
    }

    private static void assertOneLineError(RegistryProcess process, String part) {
        assertThat(process.awaitExit()).isEqualTo(2);
        final List<String> lines = process.stderr().lines().toList();
        assertThat(lines).as("stderr").hasSize(1);
        assertThat(lines.get(0)).startsWith("mesh-registry: ").contains(part);
        assertThat(process.stdout()).isEmpty();
    }
}
