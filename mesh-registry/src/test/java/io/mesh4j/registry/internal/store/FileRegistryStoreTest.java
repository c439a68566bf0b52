package io.mesh4j.registry.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;

/** The file store on a real directory: what it keeps, what a crash leaves, and what it refuses. */
class FileRegistryStoreTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");

    @TempDir
    Path dir;

    /** What the store should hold, kept by the test with plain maps, apart from the store's own code. */
    private final SortedMap<ServiceName, SortedMap<InstanceId, Registration>> expected = new TreeMap<>();

    private final SortedMap<ServiceName, Long> expectedIndexes = new TreeMap<>();
    private long index;

    private Change.Put put(ServiceName service, String id, int port) {
        final Registration registration = Registration.builder("10.0.0.7", port)
                .metadata(Map.of("version", "1." + port))
                .ttl(Duration.ofSeconds(1 + port % 60))
                .build();
        final Change.Put put = new Change.Put(++index, service, InstanceId.of(id), registration);
        expected.computeIfAbsent(service, name -> new TreeMap<>()).put(put.id(), registration);
        expectedIndexes.put(service, index);
        return put;
    }

    private Change.Remove remove(ServiceName service, String id) {
        final Change.Remove remove = new Change.Remove(++index, service, InstanceId.of(id), Change.Reason.DEREGISTERED);
        expected.get(service).remove(remove.id());
        expectedIndexes.put(service, index);
        return remove;
    }

    private StoredRegistry expectedRegistry() {
        final SortedMap<ServiceName, ServiceState> services = new TreeMap<>();
        expected.forEach(
                (name, instances) -> services.put(name, new ServiceState(expectedIndexes.get(name), instances)));
        return new StoredRegistry(index, services);
    }

    /** Appends many changes over a few services, in batches of 1 to 8 as group commit makes them. */
    private void appendManyChanges(FileRegistryStore store, int count) throws IOException {
        final Random random = new Random(42);
        final List<ServiceName> services = List.of(ORDERS, ServiceName.of("payments"), ServiceName.of("search"));
        int written = 0;
        while (written < count) {
            final List<Change> batch = new ArrayList<>();
            for (int i = random.nextInt(8); i >= 0 && written < count; i--, written++) {
                final ServiceName service = services.get(random.nextInt(services.size()));
                final String id = "i-" + random.nextInt(20);
                final boolean present =
                        expected.containsKey(service) && expected.get(service).containsKey(InstanceId.of(id));
                batch.add(
                        present && random.nextInt(3) == 0
                                ? remove(service, id)
                                : put(service, id, 1 + random.nextInt(65_000)));
            }
            store.append(batch);
        }
    }

    private Path log() {
        return dir.resolve(FileRegistryStore.LOG);
    }

    @Test
    void aNewStoreIsEmpty() throws IOException {
        try (FileRegistryStore store = FileRegistryStore.open(dir)) {
            assertThat(store.load()).isEqualTo(StoredRegistry.EMPTY);
        }
    }

    @Test
    void reloadsEverythingAfterManyChanges() throws IOException {
        try (FileRegistryStore store = FileRegistryStore.open(dir)) {
            appendManyChanges(store, 2_000);
            assertThat(store.load()).isEqualTo(expectedRegistry());
        }

        try (FileRegistryStore store = FileRegistryStore.open(dir)) {
            assertThat(store.load()).isEqualTo(expectedRegistry());
            assertThat(store.load().index()).isEqualTo(2_000);
            store.append(List.of(put(ORDERS, "after-restart", 8080)));
        }

        try (FileRegistryStore store = FileRegistryStore.open(dir)) {
            assertThat(store.load()).isEqualTo(expectedRegistry());
        }
    }

    @Test
    void aServiceWhoseLastInstanceLeftKeepsItsIndex() throws IOException {
        try (FileRegistryStore store = FileRegistryStore.open(dir)) {
            store.append(List.of(put(ORDERS, "a", 8080), remove(ORDERS, "a")));
        }
        try (FileRegistryStore store = FileRegistryStore.open(dir)) {
            assertThat(store.load().services().get(ORDERS)).isEqualTo(new ServiceState(2, new TreeMap<>()));
        }
    }

    /**
     * Writes 20 acknowledged changes, then {@code tail} as a crash mid-write would leave it, and checks that
     * opening drops the tail, cuts the log back to the acknowledged changes, and goes on from there.
     */
    private void assertTailIsDroppedOnOpen(byte[]... tail) throws IOException {
        try (FileRegistryStore store = FileRegistryStore.open(dir)) {
            appendManyChanges(store, 20);
        }
        final long acknowledged = Files.size(log());
        for (byte[] bytes : tail) {
            Files.write(log(), bytes, StandardOpenOption.APPEND);
        }

        try (FileRegistryStore store = FileRegistryStore.open(dir)) {
            assertThat(store.load()).isEqualTo(expectedRegistry());
            assertThat(Files.size(log())).isEqualTo(acknowledged);
            store.append(List.of(put(ORDERS, "next", 8080)));
        }
        try (FileRegistryStore store = FileRegistryStore.open(dir)) {
            assertThat(store.load()).isEqualTo(expectedRegistry());
        }
    }

    @Test
    void aTornLastRecordIsDroppedAndTheLogCutThere() throws IOException {
        final byte[] record = Records.frame("put 21 orders torn {\"host\":\"10.0.0.7\",\"port\":8080}");
        assertTailIsDroppedOnOpen(Arrays.copyOf(record, record.length / 2));
    }

    @Test
    void aBatchCutBeforeItsCommitIsDroppedWhole() throws IOException {
        // Whole records, but the crash came before the commit line: the batch was never acknowledged.
        assertTailIsDroppedOnOpen(
                Records.frame("put 21 orders unacknowledged {\"host\":\"10.0.0.7\",\"port\":8080}"),
                Records.frame("remove 22 orders unacknowledged deregistered"));
    }

    @Test
    void aDamagedLastLineIsDroppedAsTorn() throws IOException {
        assertTailIsDroppedOnOpen("00000000 put 21 orders x {}\n".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void damageBeforeAcknowledgedRecordsRefusesToStartNamingTheFileAndLine() throws IOException {
        try (FileRegistryStore store = FileRegistryStore.open(dir)) {
            store.append(List.of(put(ORDERS, "a", 8080)));
            store.append(List.of(put(ORDERS, "b", 8081)));
            store.append(List.of(put(ORDERS, "c", 8082)));
        }
        final List<String> lines = new ArrayList<>(Files.readAllLines(log()));
        // Line 3 holds orders/b: 8081 becomes 9081, and its checksum no longer matches.
        lines.set(2, lines.get(2).replace("8081", "9081"));
        Files.write(log(), lines);
        final byte[] before = Files.readAllBytes(log());

        assertThatThrownBy(() -> FileRegistryStore.open(dir))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(log().toString())
                .hasMessageContaining("line 3")
                .hasMessageContaining("checksum");
        // Refused, not repaired: the evidence is left as it was, and the lock is released.
        assertThat(Files.readAllBytes(log())).isEqualTo(before);
        assertThatThrownBy(() -> FileRegistryStore.open(dir)).hasMessageContaining("line 3");
    }

    @Test
    void compactionKeepsEverything() throws IOException {
        try (FileRegistryStore store = FileRegistryStore.open(dir, 4_096)) {
            appendManyChanges(store, 1_000);
            assertThat(Files.exists(dir.resolve(FileRegistryStore.SNAPSHOT))).isTrue();
            assertThat(Files.size(log())).isLessThanOrEqualTo(4_096);
            assertThat(store.load()).isEqualTo(expectedRegistry());
        }

        try (FileRegistryStore store = FileRegistryStore.open(dir, 4_096)) {
            assertThat(store.load()).isEqualTo(expectedRegistry());
            appendManyChanges(store, 100);
        }
        try (FileRegistryStore store = FileRegistryStore.open(dir)) {
            assertThat(store.load()).isEqualTo(expectedRegistry());
        }
    }

    @Test
    void aCrashAfterTheSnapshotButBeforeTheLogIsEmptiedLosesNothing() throws IOException {
        try (FileRegistryStore store = FileRegistryStore.open(dir)) {
            appendManyChanges(store, 300);
        }
        final byte[] fullLog = Files.readAllBytes(log());
        // Opening with a small threshold compacts: a snapshot, then an empty log.
        FileRegistryStore.open(dir, 1_024).close();
        assertThat(Files.size(log())).isZero();
        // As if the crash came between the two: the old log is still whole beside the new snapshot.
        Files.write(log(), fullLog);

        try (FileRegistryStore store = FileRegistryStore.open(dir)) {
            assertThat(store.load()).isEqualTo(expectedRegistry());
            store.append(List.of(put(ORDERS, "after", 8080)));
        }
        try (FileRegistryStore store = FileRegistryStore.open(dir)) {
            assertThat(store.load()).isEqualTo(expectedRegistry());
        }
    }

    @Test
    void aSnapshotLeftHalfWrittenByACrashIsIgnored() throws IOException {
        try (FileRegistryStore store = FileRegistryStore.open(dir)) {
            appendManyChanges(store, 30);
        }
        Files.writeString(dir.resolve(FileRegistryStore.SNAPSHOT_TEMP), "deadbeef snapshot 1 9");

        try (FileRegistryStore store = FileRegistryStore.open(dir)) {
            assertThat(store.load()).isEqualTo(expectedRegistry());
        }
        assertThat(Files.exists(dir.resolve(FileRegistryStore.SNAPSHOT_TEMP))).isFalse();
    }

    @Test
    void aDamagedSnapshotRefusesToStartNamingTheFileAndLine() throws IOException {
        try (FileRegistryStore store = FileRegistryStore.open(dir, 1_024)) {
            appendManyChanges(store, 100);
        }
        final Path snapshot = dir.resolve(FileRegistryStore.SNAPSHOT);
        final List<String> lines = new ArrayList<>(Files.readAllLines(snapshot));
        lines.remove(lines.size() - 1);
        Files.write(snapshot, lines);

        assertThatThrownBy(() -> FileRegistryStore.open(dir))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(snapshot.toString())
                .hasMessageContaining("'end' line");
    }

    @Test
    void aSecondStoreOnTheSameDirectoryFailsNamingIt() throws IOException {
        try (FileRegistryStore store = FileRegistryStore.open(dir)) {
            assertThatThrownBy(() -> FileRegistryStore.open(dir))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining(store.dir().toString())
                    .hasMessageContaining("in use by another registry");
        }
        // Released on close.
        FileRegistryStore.open(dir).close();
    }

    @Test
    void aDataDirectoryThatIsAFileIsRefused() throws IOException {
        final Path file = Files.writeString(dir.resolve("file"), "not a directory");

        assertThatThrownBy(() -> FileRegistryStore.open(file))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("is a file");
    }

    @Test
    void appendRefusesAnIndexThatDoesNotMoveForward() throws IOException {
        try (FileRegistryStore store = FileRegistryStore.open(dir)) {
            store.append(List.of(put(ORDERS, "a", 8080)));
            final Change.Put stale = new Change.Put(
                    1,
                    ORDERS,
                    InstanceId.of("b"),
                    Registration.builder("10.0.0.8", 8080).build());

            assertThatThrownBy(() -> store.append(List.of(stale)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("expected: > 1");
        }
    }

    @Test
    void theLogIsReadableByAPerson() throws IOException {
        try (FileRegistryStore store = FileRegistryStore.open(dir)) {
            store.append(List.of(put(ORDERS, "a", 8080), remove(ORDERS, "a")));
        }
        assertThat(Files.readAllLines(log())).hasSize(3).satisfies(lines -> {
            assertThat(lines.get(0)).matches("[0-9a-f]{8} put 1 orders a \\{\"host\":\"10.0.0.7\".*");
            assertThat(lines.get(1)).matches("[0-9a-f]{8} remove 2 orders a deregistered");
            assertThat(lines.get(2)).matches("[0-9a-f]{8} commit 2");
        });
    }
}
