package io.mesh4j.benchmarks.load;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongFunction;

/**
 * Asynchronous operations run with at most a given number in flight: operation {@code i} is
 * {@code operation.apply(i)}, numbered from 0. For load that is not one HTTP request, such as registry writes
 * through the registry's own client.
 */
public final class Bounded {

    /** How many operations completed and how many of them failed, in how long. */
    public record Outcome(long completed, long failed, Duration elapsed) {

        /** Successful operations per second. */
        public double perSecond() {
            return (completed - failed) / (elapsed.toNanos() / 1e9);
        }
    }

    /** Runs operations {@code 0..count-1}, {@code concurrency} at a time, and waits for all of them. */
    public static Outcome times(long count, int concurrency, LongFunction<CompletableFuture<?>> operation) {
        return run(concurrency, operation, i -> i < count, Long.MAX_VALUE);
    }

    /** Runs operations {@code 0, 1, 2...}, {@code concurrency} at a time, for {@code duration}. */
    public static Outcome during(Duration duration, int concurrency, LongFunction<CompletableFuture<?>> operation) {
        return run(concurrency, operation, i -> true, System.nanoTime() + duration.toNanos());
    }

    private interface More {
        boolean test(long i);
    }

    private static Outcome run(
            int concurrency, LongFunction<CompletableFuture<?>> operation, More more, long endNanos) {
        final long start = System.nanoTime();
        final Run run = new Run(operation, more, endNanos, concurrency);
        for (int w = 0; w < concurrency; w++) {
            run.step();
        }
        try {
            if (!run.done.await(10, TimeUnit.MINUTES)) {
                throw new IllegalStateException("operations still running after 10 minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        return new Outcome(run.completed.sum(), run.failed.sum(), Duration.ofNanos(System.nanoTime() - start));
    }

    /** The shared state of one run; each of its workers starts its next operation when its last completes. */
    private static final class Run {

        private final LongFunction<CompletableFuture<?>> operation;
        private final More more;
        private final long endNanos;
        private final AtomicLong next = new AtomicLong();
        private final LongAdder completed = new LongAdder();
        private final LongAdder failed = new LongAdder();
        private final CountDownLatch done;

        Run(LongFunction<CompletableFuture<?>> operation, More more, long endNanos, int workers) {
            this.operation = operation;
            this.more = more;
            this.endNanos = endNanos;
            done = new CountDownLatch(workers);
        }

        void step() {
            final long i = next.getAndIncrement();
            if (!more.test(i) || System.nanoTime() >= endNanos) {
                done.countDown();
                return;
            }
            CompletableFuture<?> future;
            try {
                future = operation.apply(i);
            } catch (RuntimeException e) {
                future = CompletableFuture.failedFuture(e);
            }
            future.whenComplete((unused, cause) -> {
                completed.increment();
                if (cause != null) {
                    failed.increment();
                }
                step();
            });
        }
    }

    private Bounded() {}
}
