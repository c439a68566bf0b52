package io.mesh4j.registry.internal.store;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.jspecify.annotations.Nullable;

/**
 * The lock that keeps two registries off one data directory: two writers of one log would interleave their
 * records and lose each other's changes. The operating system releases it when the process dies, even by
 * {@code kill -9}, so a stale lock never blocks a restart.
 */
final class DataDirLock implements Closeable {

    static final String FILE_NAME = "registry.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Creates the directory if needed, its owner's alone, or makes an existing one so (see
     * {@link DataDirPermissions}), and locks it.
     *
     * @throws StoreException saying what to change if it is not a usable directory, others may use it and it holds
     *     files that are not the registry's, or another registry holds it
     */
    static DataDirLock acquire(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new StoreException("data directory " + dir + " is a file (expected: a directory, or a path "
                    + "where one can be created)");
        }
        if (Files.exists(dir)) {
            DataDirPermissions.secure(dir);
        } else {
            try {
                DataDirPermissions.create(dir);
                // The new directory's own entry must survive a crash too, or the first changes would not.
                if (dir.getParent() != null) {
                    Durable.syncDirectory(dir.getParent());
                }
            } catch (IOException e) {
                throw new StoreException(
                        "cannot create data directory " + dir + " (" + e + "); choose a path "
                                + "where this user may create a directory",
                        e);
            }
        }
        if (!Files.isWritable(dir)) {
            throw new StoreException("data directory " + dir + " is not writable by this user; grant write access "
                    + "or choose another data directory");
        }
        final Path file = dir.resolve(FILE_NAME);
        final FileChannel channel = DataDirPermissions.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        @Nullable FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // Held by this very process, through another channel.
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new StoreException("data directory " + dir + " is in use by another registry (it holds " + file
                    + "); stop that registry or choose another data directory");
        }
        // Who holds it, for a person who wonders; not needed for the lock itself, so not fsync'd.
        channel.truncate(0);
        Durable.writeFully(
                channel, ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)));
        return new DataDirLock(channel, lock);
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
