package io.mesh4j.core.internal.identity;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Logs why a peer was refused, once per reason and minute: a client retrying with a bad certificate must not
 * bury the log under the same line, and an operator must still see every distinct reason.
 */
public final class RefusalLog {

    private static final Logger logger = LoggerFactory.getLogger(RefusalLog.class);
    private static final Duration QUIET = Duration.ofMinutes(1);

    private final Cache<String, Boolean> recent = Caffeine.newBuilder()
            .expireAfterWrite(QUIET.toMillis(), TimeUnit.MILLISECONDS)
            .maximumSize(1000)
            .build();
    private final String who;

    /**
     * @param who who refuses, such as "registry" or "orders/orders-1"
     */
    public RefusalLog(String who) {
        this.who = who;
    }

    public void refused(String reason) {
        if (recent.asMap().putIfAbsent(reason, Boolean.TRUE) == null) {
            logger.warn("{}: refused: {}", who, reason);
        }
    }
}
