package io.mesh4j.server.internal.quota;

import java.util.concurrent.atomic.LongAdder;

import io.mesh4j.core.routing.QuotaSpec;

/**
 * One quota in this instance: the bucket its lease sizes, what it saw since it last told the registry, and the
 * lease it holds. The request path only takes tokens and counts; the lease keeper does the rest.
 */
final class LocalQuota {

    /** Where the bucket's rate comes from, for health and the log. */
    enum Source {
        /** No lease yet: the quota divided by the instances last known. */
        UNLEASED,
        /** A lease from the registry, not yet expired. */
        LEASED,
        /** The registry did not renew the lease before it expired: the safe share. */
        FALLBACK
    }

    volatile QuotaSpec spec;
    final TokenBucket bucket;
    final LongAdder seen = new LongAdder();
    final LongAdder refused = new LongAdder();
    final LongAdder refusedTotal;
    // Written by the lease keeper only.
    volatile long leaseExpiresAtNanos;
    volatile Source source = Source.UNLEASED;
    volatile int holders;

    LocalQuota(QuotaSpec spec, double perSecond, long nowNanos, LongAdder refusedTotal) {
        this.spec = spec;
        this.refusedTotal = refusedTotal;
        bucket = new TokenBucket(perSecond, nowNanos);
    }

    /** Counts the request and takes a token for it if one is there. */
    boolean tryAcquire(long nowNanos) {
        seen.increment();
        if (bucket.tryTake(nowNanos)) {
            return true;
        }
        refused.increment();
        refusedTotal.increment();
        return false;
    }
}
