package io.mesh4j.registry.internal.ca;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writes the files a CA must keep to itself: readable and writable by the registry's user only, made durable
 * before they are used, and replaced atomically so that a crash leaves the old file or the new one, never half.
 */
public final class OwnerOnlyFiles {

    private static final boolean POSIX =
            FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");

    /** Makes {@code dir} (and its parents) if missing, and leaves it readable by its owner only. */
    public static Path directory(Path dir) throws IOException {
        Files.createDirectories(dir);
        if (POSIX) {
            Files.setPosixFilePermissions(dir, OWNER_DIR);
        }
        return dir;
    }

    /** Writes {@code content} to {@code file} atomically, owner-only, fsync'd with its directory entry. */
    public static void write(Path file, byte[] content) throws IOException {
        final Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temp);
        final FileAttribute<?>[] attributes = POSIX
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_FILE)}
                : new FileAttribute<?>[0];
        try (FileChannel channel =
                FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attributes)) {
            final ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(requireNonNull(file.toAbsolutePath().getParent(), "parent"));
    }

    /** Lets everyone read {@code file}: for what is meant to be handed out. */
    public static void makePublic(Path file) throws IOException {
        if (POSIX) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    /** Whether only the owner may read or write {@code path}; true where the file system has no such notion. */
    public static boolean isOwnerOnly(Path path) throws IOException {
        if (!POSIX) {
            return true;
        }
        final Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path);
        for (PosixFilePermission permission : permissions) {
            if (permission.name().startsWith("GROUP") || permission.name().startsWith("OTHERS")) {
                return false;
            }
        }
        return true;
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Some file systems cannot open a directory for reading; the rename is then as durable as they allow.
        }
    }

    private OwnerOnlyFiles() {}
}
