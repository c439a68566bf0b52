package io.mesh4j.benchmarks.load;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.zip.DataFormatException;

import org.HdrHistogram.Histogram;

/**
 * Latency histograms as the benchmarks keep them: nanoseconds, three significant digits, up to a minute.
 */
public final class Histograms {

    static final long HIGHEST = TimeUnit.MINUTES.toNanos(1);

    public static Histogram newHistogram() {
        return new Histogram(HIGHEST, 3);
    }

    /** Records {@code nanos}, a value past the highest trackable one as the highest. */
    public static void record(Histogram histogram, long nanos) {
        histogram.recordValue(Math.max(0, Math.min(nanos, HIGHEST)));
    }

    /** The histogram in a compact form without spaces, to pass between processes. */
    public static String encode(Histogram histogram) {
        final ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        final int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        return Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length));
    }

    public static Histogram decode(String encoded) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(
                    ByteBuffer.wrap(Base64.getDecoder().decode(encoded)), HIGHEST);
        } catch (DataFormatException e) {
            throw new IllegalArgumentException("not an encoded histogram: " + e.getMessage(), e);
        }
    }

    /** The value at {@code percentile} (0 to 100) in microseconds. */
    public static double micros(Histogram histogram, double percentile) {
        return histogram.getValueAtPercentile(percentile) / 1_000.0;
    }

    private Histograms() {}
}
