package io.mesh4j.client.internal.hedge;

import java.time.Duration;
import java.util.Arrays;

import org.jspecify.annotations.Nullable;

/**
 * The latencies of a route's last {@value #SIZE} calls, for hedging at a percentile: a hedge after the 95th
 * percentile goes out for the slowest 5% of calls, whatever the route's usual latency is.
 */
final class RecentLatencies {

    static final int SIZE = 1000;
    /** Fewer samples than this say too little about a tail to hedge by it. */
    static final int MIN_SAMPLES = 50;
    /** The percentile is recomputed after this many new samples: sorting a thousand longs per call is waste. */
    private static final int RECOMPUTE_EVERY = 50;

    private final long[] nanos = new long[SIZE];
    private long count;
    private long computedAt = -RECOMPUTE_EVERY;
    private double computedPercentile = Double.NaN;
    private @Nullable Duration computed;

    synchronized void record(long latencyNanos) {
        nanos[(int) (count++ % SIZE)] = latencyNanos;
    }

    /** The {@code percentile} latency of the recent calls; null while there are too few of them. */
    synchronized @Nullable Duration percentile(double percentile) {
        if (count < MIN_SAMPLES) {
            return null;
        }
        if (count - computedAt >= RECOMPUTE_EVERY || percentile != computedPercentile) {
            final int n = (int) Math.min(count, SIZE);
            final long[] sorted = Arrays.copyOf(nanos, n);
            Arrays.sort(sorted);
            final int index = (int) Math.min(n - 1, Math.ceil(percentile / 100 * n) - 1);
            computed = Duration.ofNanos(sorted[Math.max(0, index)]);
            computedAt = count;
            computedPercentile = percentile;
        }
        return computed;
    }
}
