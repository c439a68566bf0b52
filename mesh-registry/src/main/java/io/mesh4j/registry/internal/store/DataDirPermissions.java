package io.mesh4j.registry.internal.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the registry's data directory to the registry's user: the directory {@code rwx------} and the store's files
 * (log, snapshot, lock) {@code rw-------}. The log names every instance, its address and its labels, and the
 * directory holds the CA's keys and the admin token; none of it is for the machine's other users. Where the file
 * system has no POSIX permissions, it changes nothing.
 *
 * <p>A directory made by an earlier version, or by {@code mkdir} with the usual umask, is readable by others. It is
 * tightened at start when it holds nothing but the registry's own files, as such a directory is the registry's. One
 * that holds anything else is shared with something else, and changing it could break that (think of
 * {@code --data-dir /tmp} as root): the registry then refuses to start and says what to run.
 */
final class DataDirPermissions {

    private static final Logger logger = LoggerFactory.getLogger(DataDirPermissions.class);

    private static final boolean POSIX =
            FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");

    /**
     * What the registry keeps in its data directory, each also as {@code <name>.tmp} while it is replaced: the
     * store's files, the CA's directory, the tokens, the documents' directories and the trust bundle.
     */
    private static final Set<String> OWN_ENTRIES = Set.of(
            DataDirLock.FILE_NAME,
            FileRegistryStore.LOG,
            FileRegistryStore.SNAPSHOT,
            "ca",
            "tokens.json",
            "admin.token",
            "policies",
            "default-policy.json",
            "routes",
            "trust",
            "issued.json",
            "trust-bundle.pem",
            "audit.log");

    private static final String TEMP_SUFFIX = ".tmp";

    /** Makes {@code dir}, and its missing parents as the system makes them, with {@code dir} its owner's alone. */
    static void create(Path dir) throws IOException {
        final Path parent = dir.getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (POSIX) {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_DIR));
        } else {
            Files.createDirectory(dir);
        }
    }

    /**
     * Makes the existing {@code dir} its owner's alone if others may use it and it holds only the registry's files.
     *
     * @throws StoreException if others may use it and it holds other files, or it cannot be changed
     */
    static void secure(Path dir) throws IOException {
        if (!POSIX) {
            return;
        }
        final Set<PosixFilePermission> current = Files.getPosixFilePermissions(dir);
        if (!opensToOthers(current)) {
            return;
        }
        final List<String> foreign = foreignEntries(dir);
        if (!foreign.isEmpty()) {
            throw new StoreException("data directory " + dir + " can be used by others than its owner ("
                    + PosixFilePermissions.toString(current) + ") and holds files that are not the registry's "
                    + foreign + "; run chmod 700 " + dir + " if it is the registry's alone, or choose a directory "
                    + "of its own");
        }
        try {
            Files.setPosixFilePermissions(dir, OWNER_DIR);
        } catch (IOException e) {
            throw new StoreException(
                    "cannot make data directory " + dir + " its owner's alone (" + e + "); make the registry's user "
                            + "its owner, or choose another data directory",
                    e);
        }
        logger.warn(
                "data directory {} could be used by others than its owner ({}); it is rwx------ now",
                dir,
                PosixFilePermissions.toString(current));
    }

    /**
     * Opens {@code file} with {@code options}, creating it {@code rw-------}, and makes an existing one so too.
     */
    static FileChannel open(Path file, OpenOption... options) throws IOException {
        final Set<OpenOption> set = Set.of(options);
        if (!POSIX) {
            return FileChannel.open(file, set);
        }
        final FileChannel channel = FileChannel.open(file, set, PosixFilePermissions.asFileAttribute(OWNER_FILE));
        try {
            secureFile(file);
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Makes {@code file}, if it exists, readable and writable by its owner only. */
    static void secureFile(Path file) throws IOException {
        if (POSIX && Files.exists(file) && !Files.getPosixFilePermissions(file).equals(OWNER_FILE)) {
            // A file made now is created rw------- (a umask only takes bits away); one made by an earlier version
            // kept what the umask of its day allowed.
            Files.setPosixFilePermissions(file, OWNER_FILE);
        }
    }

    private static boolean opensToOthers(Set<PosixFilePermission> permissions) {
        for (PosixFilePermission permission : permissions) {
            if (!OWNER_DIR.contains(permission)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> foreignEntries(Path dir) throws IOException {
        final List<String> foreign = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                final Path fileName = entry.getFileName();
                final String name = fileName != null ? fileName.toString() : "";
                final String base =
                        name.endsWith(TEMP_SUFFIX) ? name.substring(0, name.length() - TEMP_SUFFIX.length()) : name;
                if (!OWN_ENTRIES.contains(base) && foreign.size() < 3) {
                    foreign.add(name);
                }
            }
        }
        return foreign;
    }

    private DataDirPermissions() {}
}
