package io.mesh4j.registry.internal.api;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.time.Duration;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;

/**
 * A token bucket per source address: {@code burst} requests at once, then {@code perSecond}. Memory is bounded: at
 * most {@link #MAX_SOURCES} addresses are remembered, and an address is forgotten once its bucket would be full
 * again, since a full bucket is what an unknown address gets.
 *
 * <p>Keyed by the connection's address, not by a header a caller writes: workloads behind one NAT share a bucket,
 * which is why the defaults are generous (see {@code MeshRegistry.Builder#csrRateLimit}).
 */
public final class SourceRateLimit {

    /** Requests per second per source address unless set: a whole mesh of one NAT renewing is far below it. */
    public static final double DEFAULT_PER_SECOND = 20;
    /**
     * Requests at once per source address unless set: 400 workloads behind one address may start together, and
     * 1,000 in 30 seconds.
     */
    public static final int DEFAULT_BURST = 400;

    static final long MAX_SOURCES = 100_000;

    private final double perSecond;
    private final int burst;
    private final Ticker ticker;
    private final Cache<InetAddress, Bucket> buckets;

    private SourceRateLimit(double perSecond, int burst, Ticker ticker) {
        this.perSecond = perSecond;
        this.burst = burst;
        this.ticker = ticker;
        final Duration untilFull = Duration.ofNanos((long) Math.ceil(burst / perSecond * 1e9));
        buckets = Caffeine.newBuilder()
                .maximumSize(MAX_SOURCES)
                .expireAfterAccess(untilFull)
                .ticker(ticker)
                .build();
    }

    /**
     * A limit of {@code perSecond} requests per second per source address, {@code burst} at once.
     *
     * @throws IllegalArgumentException if {@code perSecond} is not {@code > 0} or {@code burst} not {@code >= 1}
     */
    public static SourceRateLimit of(double perSecond, int burst, Ticker ticker) {
        check(perSecond, burst);
        return new SourceRateLimit(perSecond, burst, requireNonNull(ticker, "ticker"));
    }

    /** Checks the settings of a limit, saying what is wrong. */
    public static void check(double perSecond, int burst) {
        if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
            throw new IllegalArgumentException("csr rate (--csr-rate): " + perSecond + " per second (expected: > 0)");
        }
        if (burst < 1) {
            throw new IllegalArgumentException("csr burst (--csr-burst): " + burst + " (expected: >= 1)");
        }
    }

    /**
     * Takes one request from {@code source}'s bucket.
     *
     * @return {@link Duration#ZERO} if the request may go on, else how long until it could
     */
    Duration acquire(InetAddress source) {
        final long now = ticker.read();
        final Bucket bucket = buckets.get(source, key -> new Bucket(burst, now));
        return bucket.take(now, perSecond, burst);
    }

    @Override
    public String toString() {
        final String rate =
                perSecond == Math.rint(perSecond) ? Long.toString((long) perSecond) : Double.toString(perSecond);
        return rate + " per second per address, " + burst + " at once";
    }

    /** One address's bucket: how many requests it may make now, as of when. */
    private static final class Bucket {
        private double tokens;
        private long refilledAt;

        Bucket(double tokens, long refilledAt) {
            this.tokens = tokens;
            this.refilledAt = refilledAt;
        }

        synchronized Duration take(long now, double perSecond, int burst) {
            if (now > refilledAt) {
                tokens = Math.min(burst, tokens + (now - refilledAt) / 1e9 * perSecond);
                refilledAt = now;
            }
            if (tokens >= 1) {
                tokens -= 1;
                return Duration.ZERO;
            }
            return Duration.ofNanos((long) Math.ceil((1 - tokens) / perSecond * 1e9));
        }
    }
}
