package io.mesh4j.registry.internal.store;

import java.util.NoSuchElementException;

import org.jspecify.annotations.Nullable;

/**
 * Walks the lines of a file read into memory, numbering them from 1 and checking each one's frame.
 */
final class RecordReader {

    /**
     * One line.
     *
     * @param start      offset of its first byte
     * @param end        offset just past its last byte, before the newline
     * @param terminated whether a newline ends it; the last line of a file cut short by a crash has none
     * @param payload    what it holds, or {@code null} if it is not intact
     */
    record Line(
            int number,
            int start,
            int end,
            boolean terminated,
            @Nullable String payload) {

        /** The offset just past this line and its newline. */
        int next() {
            return terminated ? end + 1 : end;
        }
    }

    private final byte[] data;
    private int position;
    private int number;

    RecordReader(byte[] data) {
        this(data, 0, 0);
    }

    private RecordReader(byte[] data, int position, int number) {
        this.data = data;
        this.position = position;
        this.number = number;
    }

    /** A reader of the lines after the current one, leaving this one where it is. */
    RecordReader rest() {
        return new RecordReader(data, position, number);
    }

    boolean hasNext() {
        return position < data.length;
    }

    Line next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        int end = position;
        while (end < data.length && data[end] != '\n') {
            end++;
        }
        final boolean terminated = end < data.length;
        final Line line =
                new Line(++number, position, end, terminated, terminated ? Records.unframe(data, position, end) : null);
        position = line.next();
        return line;
    }
}
