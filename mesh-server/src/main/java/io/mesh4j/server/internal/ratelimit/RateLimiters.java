package io.mesh4j.server.internal.ratelimit;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.mesh4j.core.internal.Lazy;
import io.mesh4j.core.routing.RateLimitSpec;
import io.mesh4j.core.routing.RouteRule;

/**
 * One resilience4j rate limiter per rule that sets a limit, and per calling service when the limit is per
 * caller. A limiter lives as long as its rule is in use: a pushed config with another limit starts afresh, and
 * limiters of callers gone quiet are forgotten, so that a caller cannot grow the map without bound.
 */
final class RateLimiters {

    /** The key of one limiter: the rule (by value), and the caller when the limit is per caller. */
    private record Key(RouteRule rule, @Nullable String caller) {}

    /** Made at the first limited request: a server whose rules set no rate limit loads no Caffeine for it. */
    private final Lazy<Cache<Key, RateLimiter>> limiters = Lazy.of(() -> Caffeine.newBuilder()
            .expireAfterAccess(Duration.ofMinutes(10))
            .maximumSize(100_000)
            .<Key, RateLimiter>build());

    RateLimiter limiterOf(RouteRule rule, @Nullable String caller) {
        final RateLimitSpec spec = rule.rateLimit();
        if (spec == null) {
            throw new IllegalArgumentException("rule '" + rule.name() + "' sets no rate limit");
        }
        return limiters.get()
                .get(
                        new Key(rule, spec.perCaller() ? caller : null),
                        key -> RateLimiter.of(rule.name(), configOf(spec)));
    }

    /**
     * resilience4j counts permits per fixed window; a whole number of them per window keeps the rate exact: 2.5
     * per second is 5 every 2 seconds. Windows stay at most 10 seconds long, so that a burst is never more than
     * ten seconds' worth of requests.
     */
    static RateLimiterConfig configOf(RateLimitSpec spec) {
        final double rate = spec.requestsPerSecond();
        int seconds = 1;
        while (seconds < 10 && Math.abs(rate * seconds - Math.rint(rate * seconds)) > 1e-9) {
            seconds++;
        }
        final int permits = (int) Math.max(1, Math.round(rate * seconds));
        return RateLimiterConfig.custom()
                .limitForPeriod(permits)
                .limitRefreshPeriod(Duration.ofSeconds(seconds))
                .timeoutDuration(Duration.ZERO)
                .build();
    }
}
