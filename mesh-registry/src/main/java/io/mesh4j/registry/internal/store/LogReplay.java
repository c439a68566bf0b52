package io.mesh4j.registry.internal.store;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * Replays the log onto what the snapshot holds.
 *
 * <p>Only batches closed by a {@code commit} line count: a crash mid-write leaves an unclosed or cut-short tail,
 * which was never acknowledged and is dropped. A damaged line <em>before</em> a later commit is different: it held
 * acknowledged changes, so the store refuses to start rather than lose or invent instances.
 *
 * <p>Records whose index the snapshot already covers are skipped: a compaction that wrote its snapshot but
 * crashed before emptying the log leaves them behind.
 */
final class LogReplay {

    /**
     * What the replay found.
     *
     * @param validLength the length of the log up to its last commit; the rest is to be cut off
     * @param tornLine    the number of the first line past the last commit, or 0 if there is none
     */
    record Result(long validLength, int tornLine) {}

    static Result replay(Path log, byte[] data, StoreContents contents) throws StoreException {
        final long snapshotIndex = contents.index();
        final List<Change> batch = new ArrayList<>();
        final RecordReader reader = new RecordReader(data);
        int validLength = 0;
        int batchStartLine = 0;
        while (reader.hasNext()) {
            final RecordReader.Line line = reader.next();
            final LogFormat.Entry entry;
            try {
                entry = parse(line);
            } catch (IllegalArgumentException e) {
                if (hasCommitAhead(reader.rest())) {
                    throw corrupt(log, line.number(), e.getMessage() + ", and acknowledged changes follow it");
                }
                break;
            }
            if (batch.isEmpty()) {
                batchStartLine = line.number();
            }
            if (entry instanceof LogFormat.ChangeEntry change) {
                batch.add(change.change());
                continue;
            }
            final long committed = ((LogFormat.Commit) entry).index();
            if (batch.isEmpty() || batch.get(batch.size() - 1).index() != committed) {
                throw corrupt(log, line.number(), "commit " + committed + " does not close the records before it");
            }
            for (Change change : batch) {
                if (change.index() <= snapshotIndex) {
                    continue;
                }
                try {
                    contents.apply(change);
                } catch (IllegalArgumentException e) {
                    throw corrupt(log, batchStartLine, e.getMessage());
                }
            }
            batch.clear();
            validLength = line.next();
        }
        return new Result(validLength, validLength == data.length ? 0 : lineAt(data, validLength));
    }

    private static LogFormat.Entry parse(RecordReader.Line line) {
        if (!line.terminated()) {
            throw new IllegalArgumentException("the line is cut short");
        }
        final @Nullable String payload = line.payload();
        if (payload == null) {
            throw new IllegalArgumentException("its checksum does not match its contents");
        }
        return LogFormat.parse(payload);
    }

    private static boolean hasCommitAhead(RecordReader rest) {
        while (rest.hasNext()) {
            final RecordReader.Line line = rest.next();
            try {
                if (parse(line) instanceof LogFormat.Commit) {
                    return true;
                }
            } catch (IllegalArgumentException ignored) {
                // Another damaged line: keep looking for a commit past it.
            }
        }
        return false;
    }

    private static int lineAt(byte[] data, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (data[i] == '\n') {
                line++;
            }
        }
        return line;
    }

    static StoreException corrupt(Path file, int line, @Nullable String why) {
        return new StoreException(
                file + " is damaged at line " + line + ": " + why + ". The registry refuses to start rather than "
                        + "lose or invent instances: restore the data directory from a backup, or move it away to start "
                        + "empty");
    }

    private LogReplay() {}
}
