package io.mesh4j.core.internal.tap;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;

/**
 * A member's side of tap: the taps open for its service, the sampling of its requests into them, and the bounded
 * queue that its reporter drains to the registry.
 *
 * <p>With no tap open, a request costs one volatile read ({@link #isOpen()}). While one is, a request that a tap
 * wants is sampled at most at the tap's rate (a token bucket per tap, so that one busy route cannot take a quiet
 * tap's share) and offered to a queue of {@value #QUEUE} records; a full queue drops the record and counts it. Nothing
 * here blocks or waits: a request never slows down for a tap.
 */
public final class MemberTap {

    /** The most records waiting to go to the registry; past it, records are dropped and counted. */
    static final int QUEUE = 1_024;

    private final LongSupplier nanos;
    private final ArrayBlockingQueue<TapRecord> queue = new ArrayBlockingQueue<>(QUEUE);
    private final LongAdder sampled = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private volatile List<Sampler> samplers = List.of();

    public MemberTap() {
        this(System::nanoTime);
    }

    MemberTap(LongSupplier nanos) {
        this.nanos = nanos;
    }

    /** Whether any tap is open for this member's service: the one read a request pays when none is. */
    public boolean isOpen() {
        return !samplers.isEmpty();
    }

    /** The taps open now, as the registry last said. */
    public List<TapFilter> filters() {
        return samplers.stream().map(Sampler::filter).toList();
    }

    /**
     * The taps open now; a tap that stays open keeps its rate budget, a new one starts full, a closed one stops at
     * once (what it had queued goes out, and the registry drops it).
     */
    public void open(List<TapFilter> filters) {
        final List<Sampler> before = samplers;
        final List<Sampler> after = new ArrayList<>(filters.size());
        for (TapFilter filter : filters) {
            Sampler kept = null;
            for (Sampler sampler : before) {
                if (sampler.filter.equals(filter)) {
                    kept = sampler;
                }
            }
            after.add(kept != null ? kept : new Sampler(filter, nanos.getAsLong()));
        }
        samplers = List.copyOf(after);
    }

    /**
     * One request that ended; call it only when {@link #isOpen()}. The record is queued for every tap that wants it
     * and has budget left, or dropped.
     */
    public void offer(TapRecord record) {
        final List<Sampler> samplers = this.samplers;
        @Nullable List<String> taps = null;
        final long now = nanos.getAsLong();
        for (Sampler sampler : samplers) {
            if (sampler.filter.matches(record) && sampler.take(now)) {
                if (taps == null) {
                    taps = new ArrayList<>(1);
                }
                taps.add(sampler.filter.id());
            }
        }
        if (taps == null) {
            return;
        }
        if (queue.offer(record.withTaps(taps))) {
            sampled.increment();
        } else {
            dropped.increment();
        }
    }

    /** Takes up to {@code max} queued records, for the reporter to send. */
    public List<TapRecord> drain(int max) {
        final List<TapRecord> drained = new ArrayList<>(Math.min(max, queue.size()));
        queue.drainTo(drained, max);
        return drained;
    }

    /** Records queued for the registry since this member started. */
    public long sampled() {
        return sampled.sum();
    }

    /** Records dropped since this member started: the queue was full, or the registry could not take them. */
    public long dropped() {
        return dropped.sum();
    }

    /** Counts {@code records} that could not be sent. */
    public void droppedAfterQueue(int records) {
        dropped.add(records);
    }

    /** One tap's filter and its token bucket: up to {@code maxRps} records a second, and a burst of as many. */
    private static final class Sampler {

        final TapFilter filter;
        private final long nanosPerToken;
        private final long burstNanos;
        // Guarded by this: the time at which the bucket would be empty; a token is taken by moving it on.
        private long emptyAt;

        Sampler(TapFilter filter, long now) {
            this.filter = filter;
            nanosPerToken = TimeUnit.SECONDS.toNanos(1) / filter.maxRps();
            burstNanos = TimeUnit.SECONDS.toNanos(1);
            emptyAt = now - burstNanos;
        }

        synchronized boolean take(long now) {
            final long from = Math.max(emptyAt, now - burstNanos);
            if (from + nanosPerToken > now) {
                return false;
            }
            emptyAt = from + nanosPerToken;
            return true;
        }

        TapFilter filter() {
            return filter;
        }
    }
}
