package io.mesh4j.core.internal.identity;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.mesh4j.core.internal.Lazy;

/**
 * Logs why a peer was refused, once per reason and minute: a client retrying with a bad certificate must not
 * bury the log under the same line, and an operator must still see every distinct reason.
 */
public final class RefusalLog {

    private static final Logger logger = LoggerFactory.getLogger(RefusalLog.class);
    private static final Duration QUIET = Duration.ofMinutes(1);

    private final String who;
    /** Made at the first refusal, not before: most workloads refuse no one. */
    private final Lazy<Cache<String, Boolean>> recent = Lazy.of(() -> Caffeine.newBuilder()
            .expireAfterWrite(QUIET.toMillis(), TimeUnit.MILLISECONDS)
            .maximumSize(1000)
            .<String, Boolean>build());

    /**
     * @param who who refuses, such as "registry" or "orders/orders-1"
     */
    public RefusalLog(String who) {
        this.who = who;
    }

    public void refused(String reason) {
        if (recent.get().asMap().putIfAbsent(reason, Boolean.TRUE) == null) {
            logger.warn("{}: refused: {}", who, reason);
        }
    }
}
