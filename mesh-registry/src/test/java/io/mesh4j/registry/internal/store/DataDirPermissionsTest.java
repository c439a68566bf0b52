package io.mesh4j.registry.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;

/**
 * The data directory and the store's files are the registry's user's alone (issue 16): the log names every
 * instance and the directory holds the CA's keys.
 */
class DataDirPermissionsTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");

    @TempDir
    Path parent;

    private long index;

    @BeforeEach
    void posixOnly() {
        assumeTrue(
                FileSystems.getDefault().supportedFileAttributeViews().contains("posix"),
                "this file system has no POSIX permissions, which the store then leaves alone");
    }

    @Test
    void aNewDataDirectoryIsItsOwnersAloneAndSoAreItsLogSnapshotAndLock() throws IOException {
        final Path dir = parent.resolve("new/data");
        // Opened with a small threshold, the second batch compacts into a snapshot.
        try (FileRegistryStore store = FileRegistryStore.open(dir, 256)) {
            store.append(List.of(put("a"), put("b"), put("c")));
            store.append(List.of(put("d")));
        }

        assertThat(permissions(dir)).isEqualTo("rwx------");
        assertThat(Files.exists(dir.resolve(FileRegistryStore.SNAPSHOT))).isTrue();
        for (String file : List.of(FileRegistryStore.LOG, FileRegistryStore.SNAPSHOT, DataDirLock.FILE_NAME)) {
            assertThat(permissions(dir.resolve(file))).as(file).isEqualTo("rw-------");
        }
    }

    @Test
    void anExistingDataDirectoryOfTheRegistryIsTightenedAtStart() throws IOException {
        final Path dir = parent.resolve("earlier");
        try (FileRegistryStore store = FileRegistryStore.open(dir, 256)) {
            store.append(List.of(put("a"), put("b"), put("c")));
            store.append(List.of(put("d")));
        }
        // As an earlier version left it, with the usual umask; the other names are what the registry keeps there.
        Files.writeString(dir.resolve("trust-bundle.pem"), "");
        Files.createDirectory(dir.resolve("ca"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String file : List.of(FileRegistryStore.LOG, FileRegistryStore.SNAPSHOT, DataDirLock.FILE_NAME)) {
            Files.setPosixFilePermissions(dir.resolve(file), PosixFilePermissions.fromString("rw-r--r--"));
        }

        try (FileRegistryStore store = FileRegistryStore.open(dir)) {
            assertThat(store.load().instanceCount()).isEqualTo(4);
        }

        assertThat(permissions(dir)).isEqualTo("rwx------");
        for (String file : List.of(FileRegistryStore.LOG, FileRegistryStore.SNAPSHOT, DataDirLock.FILE_NAME)) {
            assertThat(permissions(dir.resolve(file))).as(file).isEqualTo("rw-------");
        }
    }

    @Test
    void anEmptyDirectoryMadeForTheRegistryIsTightened() throws IOException {
        final Path dir = Files.createDirectory(parent.resolve("made-by-mkdir"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxr-x"));

        FileRegistryStore.open(dir).close();

        assertThat(permissions(dir)).isEqualTo("rwx------");
    }

    @Test
    void aDirectoryOthersMayUseThatHoldsOtherFilesIsRefusedAndLeftAsItIs() throws IOException {
        final Path shared = Files.createDirectory(parent.resolve("shared"));
        Files.writeString(shared.resolve("notes.txt"), "not the registry's");
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));

        assertThatThrownBy(() -> FileRegistryStore.open(shared))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("notes.txt")
                .hasMessageContaining("chmod 700 " + shared);
        assertThat(permissions(shared)).isEqualTo("rwxr-xr-x");
        assertThat(Files.exists(shared.resolve(DataDirLock.FILE_NAME))).isFalse();
    }

    private Change.Put put(String id) {
        return new Change.Put(
                ++index,
                ORDERS,
                InstanceId.of(id),
                Registration.builder("10.0.0.7", 8080)
                        .ttl(Duration.ofSeconds(10))
                        .build());
    }

    private static String permissions(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
