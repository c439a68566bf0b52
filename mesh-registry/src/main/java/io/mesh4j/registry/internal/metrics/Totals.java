package io.mesh4j.registry.internal.metrics;

import io.mesh4j.core.internal.summary.EdgeSummary;
import io.mesh4j.core.internal.summary.LatencyBuckets;

/** Counts and a latency histogram added up over reports: what one row of a stat table is made of. */
final class Totals {

    long requests;
    long successes;
    long retries;
    long denials;
    long ejections;
    final long[] latency = new long[LatencyBuckets.COUNT];

    void add(EdgeSummary summary) {
        requests += summary.requests();
        successes += summary.successes();
        retries += summary.retries();
        denials += summary.denials();
        ejections += summary.ejections();
        final long[] counts = summary.latency();
        for (int i = 0; i < counts.length; i++) {
            latency[i] += counts[i];
        }
    }

    void add(Totals other) {
        requests += other.requests;
        successes += other.successes;
        retries += other.retries;
        denials += other.denials;
        ejections += other.ejections;
        for (int i = 0; i < latency.length; i++) {
            latency[i] += other.latency[i];
        }
    }
}
