package io.mesh4j.registry.internal.store;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default store: an append-only log of changes and a snapshot, in one data directory.
 *
 * <ul>
 *   <li>{@code registry.log}: one checksummed line per change; each batch closed by a {@code commit} line and made
 *       durable with one fsync before {@link #append(List)} returns (see {@link LogFormat}).</li>
 *   <li>{@code registry.snapshot}: everything as of one index, written when the log passes the compaction
 *       threshold; the log then starts empty (see {@link SnapshotFile}).</li>
 *   <li>{@code registry.lock}: held while the store is open, so that two registries cannot share the
 *       directory.</li>
 * </ul>
 *
 * <p>Opening replays the snapshot and the log, drops a tail torn by a crash mid-write (it was never
 * acknowledged) with a warning, and refuses damage anywhere else with a message naming the file and the line.
 * Not thread-safe: the registry appends from one thread.
 */
public final class FileRegistryStore implements RegistryStore {

    /** The log size past which it is folded into a new snapshot. */
    public static final long DEFAULT_COMPACTION_THRESHOLD = 16L * 1024 * 1024;

    static final String LOG = "registry.log";
    static final String SNAPSHOT = "registry.snapshot";
    static final String SNAPSHOT_TEMP = "registry.snapshot.tmp";

    private static final Logger logger = LoggerFactory.getLogger(FileRegistryStore.class);

    private final Path dir;
    private final DataDirLock lock;
    private final long compactionThreshold;
    private final StoreContents contents;
    private final FileChannel log;
    private long logSize;
    private @Nullable IOException failure;

    private FileRegistryStore(
            Path dir,
            DataDirLock lock,
            long compactionThreshold,
            StoreContents contents,
            FileChannel log,
            long logSize) {
        this.dir = dir;
        this.lock = lock;
        this.compactionThreshold = compactionThreshold;
        this.contents = contents;
        this.log = log;
        this.logSize = logSize;
    }

    /** Opens the store in {@code dir}, creating it if needed, with the default compaction threshold. */
    public static FileRegistryStore open(Path dir) throws IOException {
        return open(dir, DEFAULT_COMPACTION_THRESHOLD);
    }

    /**
     * Opens the store in {@code dir}, creating it if needed.
     *
     * @param compactionThreshold the log size in bytes past which it is folded into a new snapshot
     * @throws StoreException saying what to change: the directory is a file, not writable, locked by another
     *                        registry, or damaged
     */
    public static FileRegistryStore open(Path dir, long compactionThreshold) throws IOException {
        requireNonNull(dir, "dir");
        if (compactionThreshold <= 0) {
            throw new IllegalArgumentException("compactionThreshold: " + compactionThreshold + " (expected: > 0)");
        }
        final Path absolute = dir.toAbsolutePath().normalize();
        final DataDirLock lock = DataDirLock.acquire(absolute);
        try {
            // A compaction cut short by a crash; the snapshot it was to replace is still whole.
            Files.deleteIfExists(absolute.resolve(SNAPSHOT_TEMP));
            DataDirPermissions.secureFile(absolute.resolve(SNAPSHOT));
            final @Nullable StoredRegistry snapshot = SnapshotFile.read(absolute.resolve(SNAPSHOT));
            final StoreContents contents = StoreContents.of(snapshot != null ? snapshot : StoredRegistry.EMPTY);
            final FileChannel log = openLog(absolute, contents);
            final FileRegistryStore store =
                    new FileRegistryStore(absolute, lock, compactionThreshold, contents, log, log.size());
            if (store.logSize > compactionThreshold) {
                store.compact();
            }
            return store;
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private static FileChannel openLog(Path dir, StoreContents contents) throws IOException {
        final Path path = dir.resolve(LOG);
        final byte[] data;
        try {
            data = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return createLog(dir, path);
        }
        final FileChannel channel = DataDirPermissions.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            final LogReplay.Result replay = LogReplay.replay(path, data, contents);
            if (replay.validLength() < data.length) {
                logger.warn(
                        "{}: dropping {} bytes from line {} on: records cut short by a crash while they were "
                                + "written, never acknowledged",
                        path,
                        data.length - replay.validLength(),
                        replay.tornLine());
                channel.truncate(replay.validLength());
                channel.force(true);
            }
            channel.position(replay.validLength());
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static FileChannel createLog(Path dir, Path path) throws IOException {
        final FileChannel channel = DataDirPermissions.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            // Make the new file's directory entry durable, or a crash could lose the whole log.
            Durable.syncDirectory(dir);
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public StoredRegistry load() {
        return contents.freeze();
    }

    @Override
    public void append(List<Change> changes) throws IOException {
        if (failure != null) {
            throw new IOException("an earlier write to " + dir + " failed; restart the registry", failure);
        }
        if (changes.isEmpty()) {
            return;
        }
        long previous = contents.index();
        final ByteArrayOutputStream batch = new ByteArrayOutputStream();
        for (Change change : changes) {
            if (change.index() <= previous) {
                throw new IllegalArgumentException(
                        "change index " + change.index() + " (expected: > " + previous + ')');
            }
            previous = change.index();
            batch.writeBytes(Records.frame(LogFormat.format(change)));
        }
        batch.writeBytes(Records.frame(LogFormat.commit(previous)));
        try {
            Durable.writeFully(log, ByteBuffer.wrap(batch.toByteArray()));
            log.force(false);
        } catch (IOException e) {
            // What reached the disk is unknown now; writing on could interleave with a torn batch.
            failure = e;
            throw e;
        }
        changes.forEach(contents::apply);
        logSize += batch.size();
        if (logSize > compactionThreshold) {
            compact();
        }
    }

    /**
     * Folds the log into a new snapshot and empties it. Safe at every step: until the rename the old snapshot and
     * the whole log stand; after it, the records the new snapshot covers are skipped at replay by their index.
     *
     * <p>It runs after a batch is durable, so it never fails that batch: a snapshot that cannot be written leaves
     * the log growing (and is tried again after the next batch); a log that cannot be emptied after the new
     * snapshot is in place is a disk in an unknown state, and the store refuses further changes.
     */
    private void compact() {
        final long started = System.nanoTime();
        try {
            SnapshotFile.write(dir.resolve(SNAPSHOT), dir.resolve(SNAPSHOT_TEMP), contents.freeze());
        } catch (IOException e) {
            logger.warn(
                    "{}: cannot write a snapshot; the log ({} bytes) keeps growing until one can be written",
                    dir,
                    logSize,
                    e);
            return;
        }
        try {
            log.truncate(0);
            log.force(true);
        } catch (IOException e) {
            failure = e;
            logger.error("{}: cannot empty the log after a snapshot; refusing further changes", dir, e);
            return;
        }
        logger.info(
                "{}: compacted {} bytes of log into a snapshot at index {} in {} ms",
                dir,
                logSize,
                contents.index(),
                (System.nanoTime() - started) / 1_000_000);
        logSize = 0;
    }

    /** The directory this store keeps its files in. */
    public Path dir() {
        return dir;
    }

    @Override
    public void close() throws IOException {
        try {
            log.close();
        } finally {
            lock.close();
        }
    }

    @Override
    public String toString() {
        return "FileRegistryStore(" + dir + ')';
    }
}
