package io.mesh4j.client.internal.retry;

import java.time.Duration;

import com.github.benmanes.caffeine.cache.Ticker;

/**
 * A sum over the last {@code window} of time, kept in ten slices so that old amounts drop out a slice at a
 * time. Synchronized: one short critical section per request, far from the cost of the request itself.
 */
final class WindowedSum {

    private static final int SLICES = 10;

    private final Duration window;
    private final long sliceNanos;
    private final Ticker ticker;
    private final long[] amounts = new long[SLICES];
    /** The slice number (time / sliceNanos) that each entry of {@link #amounts} belongs to. */
    private final long[] sliceOf = new long[SLICES];

    WindowedSum(Duration window, Ticker ticker) {
        this.window = window;
        sliceNanos = Math.max(1, window.toNanos() / SLICES);
        this.ticker = ticker;
        final long now = currentSlice();
        for (int i = 0; i < SLICES; i++) {
            sliceOf[i] = now;
        }
    }

    /** The length of time the sum covers. */
    Duration window() {
        return window;
    }

    synchronized void add(long amount) {
        final long slice = currentSlice();
        final int i = slot(slice);
        amounts[i] += amount;
    }

    /**
     * Takes {@code amount} if {@code reserve} plus the sum covers it.
     */
    synchronized boolean tryTake(long amount, long reserve) {
        final long slice = currentSlice();
        if (reserve + sum(slice) < amount) {
            return false;
        }
        amounts[slot(slice)] -= amount;
        return true;
    }

    synchronized long sum() {
        return sum(currentSlice());
    }

    private long sum(long now) {
        long sum = 0;
        for (int i = 0; i < SLICES; i++) {
            if (now - sliceOf[i] < SLICES) {
                sum += amounts[i];
            }
        }
        return sum;
    }

    /** Returns the index of {@code slice}, clearing what the index held for an older slice. */
    private int slot(long slice) {
        final int i = (int) Math.floorMod(slice, (long) SLICES);
        if (sliceOf[i] != slice) {
            sliceOf[i] = slice;
            amounts[i] = 0;
        }
        return i;
    }

    private long currentSlice() {
        return Math.floorDiv(ticker.read(), sliceNanos);
    }
}
