package io.mesh4j.core.internal.summary;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

import org.jspecify.annotations.Nullable;

/**
 * What one edge (caller, service, route, seen from one side) did since the last report: counters and a latency
 * histogram, recorded without allocating and drained by the reporter.
 */
public final class EdgeCell {

    private final Summaries.Key key;
    private final LongAdder requests = new LongAdder();
    private final LongAdder successes = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder denials = new LongAdder();
    private final LongAdder ejections = new LongAdder();
    private final AtomicLongArray latency = new AtomicLongArray(LatencyBuckets.COUNT);

    EdgeCell(Summaries.Key key) {
        this.key = key;
    }

    /** One request ended after {@code nanos}, a success or not by the mesh's classifier. */
    public void record(long nanos, boolean success) {
        requests.increment();
        if (success) {
            successes.increment();
        }
        latency.incrementAndGet(LatencyBuckets.indexOf(nanos));
    }

    /** Attempts beyond the first of one call: retries and hedges. */
    public void retried(int attempts) {
        retries.add(attempts);
    }

    /** A request the AUTHZ layer refused. */
    public void denied() {
        denials.increment();
    }

    /** A breaker opened: an endpoint was ejected. */
    public void ejected() {
        ejections.increment();
    }

    Summaries.Key key() {
        return key;
    }

    /** What was recorded since the last drain, now reset; null when nothing was. */
    @Nullable
    EdgeSummary drain() {
        final long requested = requests.sumThenReset();
        final long succeeded = successes.sumThenReset();
        final long retried = retries.sumThenReset();
        final long denied = denials.sumThenReset();
        final long ejected = ejections.sumThenReset();
        final long[] buckets = new long[LatencyBuckets.COUNT];
        boolean anyLatency = false;
        for (int i = 0; i < buckets.length; i++) {
            if (latency.get(i) != 0) {
                buckets[i] = latency.getAndSet(i, 0);
                anyLatency |= buckets[i] != 0;
            }
        }
        if (requested == 0 && retried == 0 && denied == 0 && ejected == 0 && !anyLatency) {
            return null;
        }
        return new EdgeSummary(
                key.side(),
                key.caller(),
                key.service(),
                key.route(),
                requested,
                // A request counted between the two sums may leave one more success than requests: never report it.
                Math.min(succeeded, requested),
                retried,
                denied,
                ejected,
                buckets);
    }
}
