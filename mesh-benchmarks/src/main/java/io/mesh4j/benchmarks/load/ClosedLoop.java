package io.mesh4j.benchmarks.load;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.AggregatedHttpResponse;

/**
 * Load at a fixed concurrency: each of {@code concurrency} workers sends its next request as soon as its last one
 * completes, which measures the most a path can carry with that many requests in flight. Nothing blocks: a
 * worker's next request is sent from the callback of its last.
 */
public final class ClosedLoop {

    /** How long the workers may take to finish their last requests once the phase is over. */
    private static final Duration DRAIN = Duration.ofSeconds(30);

    private final Call call;
    private final Consumer<AggregatedHttpResponse> onResponse;
    private final long measureFrom;
    private final long end;
    private final Recorder latencies = new Recorder(3);
    private final LongAdder completed = new LongAdder();
    private final LongAdder ok = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final CountDownLatch stopped;

    private ClosedLoop(
            Call call, Consumer<AggregatedHttpResponse> onResponse, int concurrency, long measureFrom, long end) {
        this.call = call;
        this.onResponse = onResponse;
        this.measureFrom = measureFrom;
        this.end = end;
        stopped = new CountDownLatch(concurrency);
    }

    /**
     * Runs {@code concurrency} workers for {@code warmup} and then {@code measure}; only what completes in the
     * second part counts.
     */
    public static LoadResult run(Call call, int concurrency, Duration warmup, Duration measure) {
        return run(call, concurrency, warmup, measure, unused -> {});
    }

    /**
     * As {@link #run(Call, int, Duration, Duration)}, also handing every response of the measured window to
     * {@code onResponse}, from the thread that completed it.
     */
    public static LoadResult run(
            Call call,
            int concurrency,
            Duration warmup,
            Duration measure,
            Consumer<AggregatedHttpResponse> onResponse) {
        requireNonNull(call, "call");
        if (concurrency <= 0) {
            throw new IllegalArgumentException("concurrency: " + concurrency + " (expected: > 0)");
        }
        final long start = System.nanoTime();
        final long measureFrom = start + warmup.toNanos();
        final ClosedLoop loop =
                new ClosedLoop(call, onResponse, concurrency, measureFrom, measureFrom + measure.toNanos());
        for (int i = 0; i < concurrency; i++) {
            loop.work();
        }
        loop.awaitWorkers();
        final Histogram latency = loop.latencies.getIntervalHistogram();
        return new LoadResult(
                loop.completed.sum(),
                loop.ok.sum(),
                loop.errors.sum(),
                measure.toNanos() / 1e9,
                latency,
                Histograms.newHistogram());
    }

    /** One worker: sends, and on completion sends again, until the phase ends. */
    private void work() {
        while (true) {
            final long sent = System.nanoTime();
            if (sent >= end) {
                stopped.countDown();
                return;
            }
            final CompletableFuture<AggregatedHttpResponse> response = call.sendSafely();
            if (response.isDone()) {
                // Completed at once (a fast failure): go on in this loop rather than nest one call per request.
                completed(sent, response.getNow(null), null);
                continue;
            }
            response.whenComplete((res, cause) -> {
                completed(sent, res, cause);
                work();
            });
            return;
        }
    }

    private void completed(long sent, @Nullable AggregatedHttpResponse res, @Nullable Throwable cause) {
        final long now = System.nanoTime();
        completed.increment();
        if (now < measureFrom || now > end) {
            return;
        }
        latencies.recordValue(Math.min(now - sent, Histograms.HIGHEST));
        if (cause == null && res != null && res.status().isSuccess()) {
            ok.increment();
            onResponse.accept(res);
        } else {
            errors.increment();
        }
    }

    private void awaitWorkers() {
        try {
            final long left = Math.max(0, end - System.nanoTime()) + DRAIN.toNanos();
            if (!stopped.await(left, TimeUnit.NANOSECONDS)) {
                throw new IllegalStateException(stopped.getCount() + " workers still waiting for a response "
                        + DRAIN.toSeconds() + " s after the phase ended");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
