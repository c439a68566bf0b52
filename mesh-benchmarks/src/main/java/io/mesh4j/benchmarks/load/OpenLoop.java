package io.mesh4j.benchmarks.load;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import com.linecorp.armeria.common.AggregatedHttpResponse;

/**
 * Load at a fixed rate, as wrk2 makes it: request {@code i} is due at {@code start + i / rate}, is sent then
 * whatever happened to the ones before it, and its latency counts from when it was due. A stall therefore counts
 * against every request it delayed, not only the one it caught: coordinated omission is corrected by
 * construction rather than by back-filling the histogram.
 *
 * <p>One thread paces the sends and never waits for a response. How late it was for each request is recorded
 * apart ({@link LoadResult#sendLag()}): it is the generator's own share of every latency, the same on every path.
 */
public final class OpenLoop {

    /** How long the requests still in flight may take once the last one is sent. */
    private static final Duration DRAIN = Duration.ofSeconds(30);

    private OpenLoop() {}

    public static LoadResult run(Call call, int ratePerSecond, Duration warmup, Duration measure) {
        return run(call, ratePerSecond, warmup, measure, unused -> {});
    }

    /**
     * Sends {@code ratePerSecond} requests a second for {@code warmup} and then {@code measure}; only the requests
     * due in the second part count. Every successful response of those goes to {@code onResponse}.
     */
    public static LoadResult run(
            Call call,
            int ratePerSecond,
            Duration warmup,
            Duration measure,
            Consumer<AggregatedHttpResponse> onResponse) {
        requireNonNull(call, "call");
        requireNonNull(onResponse, "onResponse");
        if (ratePerSecond <= 0) {
            throw new IllegalArgumentException("ratePerSecond: " + ratePerSecond + " (expected: > 0)");
        }
        final double interval = 1e9 / ratePerSecond;
        final Recorder latencies = new Recorder(3);
        final Histogram sendLag = Histograms.newHistogram();
        final LongAdder completed = new LongAdder();
        final LongAdder ok = new LongAdder();
        final LongAdder errors = new LongAdder();
        final AtomicLong inFlight = new AtomicLong();

        final long start = System.nanoTime();
        final long measureFrom = start + warmup.toNanos();
        final long end = measureFrom + measure.toNanos();
        for (long i = 0; ; i++) {
            final long due = start + (long) (i * interval);
            if (due >= end) {
                break;
            }
            final long sent = waitUntil(due);
            final boolean measured = due >= measureFrom;
            if (measured) {
                sendLag.recordValue(Math.min(sent - due, Histograms.HIGHEST));
            }
            inFlight.incrementAndGet();
            call.sendSafely().whenComplete((res, cause) -> {
                final long now = System.nanoTime();
                completed.increment();
                if (measured) {
                    latencies.recordValue(Math.min(now - due, Histograms.HIGHEST));
                    if (cause == null && res.status().isSuccess()) {
                        ok.increment();
                        onResponse.accept(res);
                    } else {
                        errors.increment();
                    }
                }
                inFlight.decrementAndGet();
            });
        }
        awaitDrained(inFlight);
        return new LoadResult(
                completed.sum(),
                ok.sum(),
                errors.sum(),
                measure.toNanos() / 1e9,
                latencies.getIntervalHistogram(),
                sendLag);
    }

    /**
     * Parks until {@code due} and returns when it woke. Parking rather than spinning leaves the CPU to the paths
     * being measured, at the price of a wake-up a few tens of microseconds late, which the send lag shows.
     */
    private static long waitUntil(long due) {
        long now = System.nanoTime();
        while (now < due) {
            LockSupport.parkNanos(due - now);
            now = System.nanoTime();
        }
        return now;
    }

    private static void awaitDrained(AtomicLong inFlight) {
        final long deadline = System.nanoTime() + DRAIN.toNanos();
        while (inFlight.get() > 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(inFlight.get() + " requests still in flight " + DRAIN.toSeconds()
                        + " s after the last was sent");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }
}
