package io.mesh4j.core.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mesh4j.core.discovery.Instance;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.identity.KeyPairs;
import io.mesh4j.core.internal.registry.InstancesSnapshot;
import io.mesh4j.core.internal.registry.RouteJson.RoutesSnapshot;
import io.mesh4j.core.internal.registry.TrustJson.TrustSnapshot;

/**
 * The state directory's files on a real file system: what is written reads back as it was, owner-only, and a file
 * cut short, corrupt or (for the key) open to others is refused with one log line and nothing of it is used.
 */
class StateDirTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");
    private static final Instant SAVED = Instant.parse("2026-12-07T02:40:00Z");

    @TempDir
    Path root;

    private StateDir state;

    @BeforeEach
    void open() {
        // Written on the calling thread, so that each save is on disk when it returns.
        state = StateDir.open(root.resolve("state"), Clock.fixed(SAVED, ZoneOffset.UTC), Runnable::run);
    }

    private static InstancesSnapshot twoInstances() {
        return new InstancesSnapshot(
                42,
                List.of(
                        new Instance(
                                InstanceId.of("orders-1"), "10.0.0.1", 8080, "eu-1a", 100, Map.of("version", "v1")),
                        new Instance(InstanceId.of("orders-2"), "10.0.0.2", 8080, "eu-1b", 50, Map.of())));
    }

    @Test
    void whatIsSavedReadsBackAsItWasWithItsTimeAndEveryFileIsOwnerOnly() throws Exception {
        state.saveEndpoints(ORDERS, twoInstances());
        state.saveRoutes(ORDERS, new RoutesSnapshot(7, null));
        state.saveTrust(new TrustSnapshot(3, "not parsed here", List.of()));
        final KeyPair key = KeyPairs.newP256();
        final X509Certificate certificate = selfSigned(key);
        state.saveCredentials(key.getPrivate(), List.of(certificate));

        final StateDir.Saved<InstancesSnapshot> endpoints = state.endpoints(ORDERS);
        assertThat(endpoints).isNotNull();
        assertThat(endpoints.value()).isEqualTo(twoInstances());
        assertThat(endpoints.savedAt()).isEqualTo(SAVED);
        assertThat(state.routes(ORDERS).value()).isEqualTo(new RoutesSnapshot(7, null));
        assertThat(state.trust().value().index()).isEqualTo(3);
        final StateDir.Credentials credentials = state.credentials().value();
        assertThat(credentials.key().getEncoded()).isEqualTo(key.getPrivate().getEncoded());
        assertThat(credentials.chain()).containsExactly(certificate);
        assertThat(state.endpoints(ServiceName.of("payments"))).isNull();
        for (Path file : List.of(
                root.resolve("state/credentials.pem"),
                root.resolve("state/trust.json"),
                root.resolve("state/endpoints/orders.json"))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                    .as("%s", file)
                    .isEqualTo("rw-------");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("state"))))
                .isEqualTo("rwx------");
        // No temporary file is left behind.
        try (var files = Files.list(root.resolve("state/endpoints"))) {
            assertThat(files).containsExactly(root.resolve("state/endpoints/orders.json"));
        }
    }

    @Test
    void aTruncatedFileIsRefusedWithOneLogLineAndNothingOfItIsUsed() throws Exception {
        state.saveEndpoints(ORDERS, twoInstances());
        final Path file = root.resolve("state/endpoints/orders.json");
        final byte[] whole = Files.readAllBytes(file);
        // Cut inside the second instance: what is left would still parse as far as the first.
        Files.write(file, java.util.Arrays.copyOf(whole, whole.length - 40));

        final String log = stderrOf(
                () -> state.endpoints(ORDERS), loaded -> assertThat(loaded).isNull());

        assertThat(log.lines().filter(line -> line.contains("orders.json")))
                .singleElement()
                .satisfies(line -> assertThat(line)
                        .contains("(the endpoints of orders): refusing this last-known-good state file")
                        .contains("truncated")
                        .contains("ignoring it"));
    }

    @Test
    void aCorruptFileIsRefusedWithOneLogLineAndNothingOfItIsUsed() throws Exception {
        state.saveRoutes(ORDERS, new RoutesSnapshot(7, null));
        final Path file = root.resolve("state/routes/orders.json");
        final byte[] bytes = Files.readAllBytes(file);
        // One bit flipped in the content ("index":7 becomes "index":6), the length unchanged.
        final String text = new String(bytes, StandardCharsets.UTF_8);
        Files.write(file, text.replace("\"index\":7", "\"index\":6").getBytes(StandardCharsets.UTF_8));

        final String log = stderrOf(
                () -> state.routes(ORDERS), loaded -> assertThat(loaded).isNull());

        assertThat(log.lines().filter(line -> line.contains("orders.json")))
                .singleElement()
                .satisfies(line -> assertThat(line).contains("corrupt").contains("ignoring it"));
    }

    @Test
    void aFileThatIsNotAStateFileIsRefused() throws Exception {
        Files.writeString(root.resolve("state/trust.json"), "{\"index\": 3}");
        Files.writeString(root.resolve("state/endpoints/orders.json"), "");

        final String log = stderrOf(
                () -> List.of(String.valueOf(state.trust()), String.valueOf(state.endpoints(ORDERS))),
                loaded -> assertThat(loaded).containsOnly("null"));

        assertThat(log).contains("no mesh4j-state header line").contains("empty");
    }

    @Test
    void aKeyFileOthersMayReadIsRefusedSayingToChmodIt() throws Exception {
        final KeyPair key = KeyPairs.newP256();
        state.saveCredentials(key.getPrivate(), List.of(selfSigned(key)));
        final Path file = root.resolve("state/credentials.pem");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        final String log =
                stderrOf(state::credentials, loaded -> assertThat(loaded).isNull());

        assertThat(log).contains("chmod 600 " + file).contains("rw-r--r--");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertThat(state.credentials()).isNotNull();
    }

    @Test
    void theStatusRunsFromTheStateUntilTheRegistryAnswers() {
        final LastKnownGood status = state.status();
        assertThat(status.describe()).isNull();

        // The clock reads SAVED: the newest state restored is five minutes old.
        status.restored("the certificate", SAVED.minus(Duration.ofMinutes(30)));
        status.restored("2 endpoints of orders", SAVED.minus(Duration.ofMinutes(5)));
        assertThat(status.describe())
                .isEqualTo("running from last-known-good state of " + SAVED.minus(Duration.ofMinutes(5)) + ", 5m old");
        assertThat(status.stale()).isFalse();
        // Older than its budget, it is called stale; it stays in force.
        status.budget(Duration.ofMinutes(2));
        assertThat(status.describe())
                .isEqualTo("running from last-known-good state of " + SAVED.minus(Duration.ofMinutes(5))
                        + ", 5m old: stale, older than its budget of 2m");
        assertThat(status.stale()).isTrue();

        state.saveEndpoints(ORDERS, twoInstances());
        assertThat(status.describe()).isNull();
        assertThat(status.stale()).isFalse();
        // Once the registry has answered, what a later call restores does not make it run from disk again.
        status.restored("the route config of payments", SAVED);
        assertThat(status.describe()).isNull();
    }

    @Test
    void aPathThatIsAFileIsNoStateDir() throws Exception {
        final Path file = Files.writeString(root.resolve("file"), "x");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> StateDir.open(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a directory");
    }

    /** What the log says while {@code action} runs; slf4j-simple writes to the standard error of the moment. */
    private static <T> String stderrOf(Supplier<T> action, java.util.function.Consumer<T> check) {
        final PrintStream original = System.err;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        final T result;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            result = action.get();
        } finally {
            System.setErr(original);
        }
        check.accept(result);
        final String log = captured.toString(StandardCharsets.UTF_8);
        original.print(log);
        return log;
    }

    private static X509Certificate selfSigned(KeyPair key) throws Exception {
        final X500Name name = new X500Name("CN=test");
        final Instant now = Instant.now();
        return new JcaX509CertificateConverter()
                .getCertificate(new JcaX509v3CertificateBuilder(
                                name,
                                BigInteger.ONE,
                                Date.from(now.minusSeconds(60)),
                                Date.from(now.plus(Duration.ofHours(1))),
                                name,
                                key.getPublic())
                        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
    }
}
