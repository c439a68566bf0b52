package io.mesh4j.client.internal.retry;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The latencies of a service's last {@value #SIZE} answered attempts, and the per-attempt timeout they suggest:
 * {@value #MULTIPLIER} times their 99th percentile, at least {@link #FLOOR}. An attempt that takes that long is
 * presumed stuck on an instance that stopped answering (a paused or frozen process, a half-dead connection)
 * rather than slow, and is better retried elsewhere than waited for until the call's timeout.
 *
 * <p>Lock-free: every attempt records here. The percentile is recomputed by the recording thread that brings the
 * count to {@value #MIN_SAMPLES}, then to each power of two, then to each multiple of {@value #RECOMPUTE_EVERY}:
 * a sort of a thousand longs every few hundred attempts, rather than a lock or a sort per attempt.
 */
final class AttemptLatencies {

    static final int SIZE = 1024;
    /** Fewer answers than this say too little about a service's tail to cut an attempt by it. */
    static final int MIN_SAMPLES = 64;

    static final int MULTIPLIER = 4;
    /**
     * No attempt is cut sooner, however fast the service: below this, a pause of the caller (a GC, a busy
     * machine) or a new connection's handshake would be taken for a stalled instance.
     */
    static final Duration FLOOR = Duration.ofMillis(250);

    private static final int RECOMPUTE_EVERY = 256;

    private final AtomicLongArray nanos = new AtomicLongArray(SIZE);
    private final AtomicLong count = new AtomicLong();
    /** Zero while unknown. */
    private volatile long timeoutNanos;

    void record(long latencyNanos) {
        final long n = count.incrementAndGet();
        nanos.lazySet((int) ((n - 1) % SIZE), latencyNanos);
        if (n == MIN_SAMPLES || (n > MIN_SAMPLES && ((n & (n - 1)) == 0 || n % RECOMPUTE_EVERY == 0))) {
            recompute(n);
        }
    }

    /** The per-attempt timeout the recent latencies suggest; zero while there are too few of them. */
    long timeoutNanos() {
        return timeoutNanos;
    }

    private void recompute(long n) {
        final int size = (int) Math.min(n, SIZE);
        final long[] sorted = new long[size];
        for (int i = 0; i < size; i++) {
            sorted[i] = nanos.get(i);
        }
        Arrays.sort(sorted);
        final long p99 = sorted[Math.max(0, (int) Math.ceil(0.99 * size) - 1)];
        timeoutNanos = Math.max(FLOOR.toNanos(), MULTIPLIER * p99);
    }
}
