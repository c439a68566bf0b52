package io.mesh4j.core.internal.summary;

/**
 * Fixed log-scale latency buckets, the same in every member and in the registry, so that histograms merge by adding
 * counts bucket by bucket. Four buckets per power of two of microseconds (at most 25% wide), from under 4 us to
 * about 19 hours; a bucket's index is computed with a few shifts, no logarithm and no search, on every request.
 */
public final class LatencyBuckets {

    /** How many buckets there are: indexes run from 0 to {@code COUNT - 1}. */
    public static final int COUNT = 140;

    private static final long MAX_MICROS = (1L << 36) - 1;

    /** The bucket of a latency of {@code nanos}. */
    public static int indexOf(long nanos) {
        final long micros = Math.min(Math.max(nanos / 1000, 0), MAX_MICROS);
        if (micros < 4) {
            return (int) micros;
        }
        final int exponent = 63 - Long.numberOfLeadingZeros(micros);
        final int sub = (int) (micros >>> (exponent - 2)) & 3;
        return 4 * (exponent - 1) + sub;
    }

    /** The smallest latency, in microseconds, of bucket {@code index}. */
    public static long lowerMicros(int index) {
        if (index < 4) {
            return index;
        }
        final int exponent = index / 4 + 1;
        return (4L + index % 4) << (exponent - 2);
    }

    /** The latency, in microseconds, just past bucket {@code index}. */
    public static long upperMicros(int index) {
        return index < 4 ? index + 1 : lowerMicros(index + 1);
    }

    /**
     * The {@code quantile} of a histogram, in milliseconds, interpolated within its bucket; 0 for an empty one.
     *
     * @param counts a count per bucket index
     * @param quantile between 0 and 1, such as 0.99
     */
    public static double quantileMillis(long[] counts, double quantile) {
        long total = 0;
        for (long count : counts) {
            total += count;
        }
        if (total == 0) {
            return 0;
        }
        final double rank = quantile * total;
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] == 0) {
                continue;
            }
            if (seen + counts[i] >= rank) {
                final double within = (rank - seen) / counts[i];
                final double lower = lowerMicros(i);
                final double upper = upperMicros(i);
                return (lower + within * (upper - lower)) / 1000.0;
            }
            seen += counts[i];
        }
        return upperMicros(counts.length - 1) / 1000.0;
    }

    private LatencyBuckets() {}
}
