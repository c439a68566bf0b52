package io.mesh4j.core.routing;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Set;

/**
 * How a route's calls are retried: attempts in all, on which outcomes, with which backoff.
 */
public record RetrySpec(int attempts, Set<RetryOn> on, Duration backoffBase, Duration backoffCap) {

    /** The outcomes a retry may be on. */
    public enum RetryOn {
        /** The request never left (refused connection, refused stream, open breaker): safe for every method. */
        UNPROCESSED("unprocessed"),
        /** 503 Service Unavailable. */
        UNAVAILABLE("503"),
        /** 502, 503 and 504. */
        GATEWAY_ERROR("gateway-error"),
        /** Any 5xx. */
        SERVER_ERROR("5xx"),
        /** No answer in the per-attempt timeout. */
        TIMEOUT("timeout");

        private final String wireName;

        RetryOn(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }
    }

    public RetrySpec {
        on = Set.copyOf(requireNonNull(on, "on"));
        requireNonNull(backoffBase, "backoffBase");
        requireNonNull(backoffCap, "backoffCap");
        if (attempts < 1 || attempts > 10) {
            throw new IllegalArgumentException("retry.attempts: " + attempts + " (expected: 1..10)");
        }
        if (backoffBase.isNegative() || backoffBase.isZero() || backoffCap.compareTo(backoffBase) < 0) {
            throw new IllegalArgumentException("retry.backoff: " + backoffBase.toMillis() + "ms.."
                    + backoffCap.toMillis() + "ms (expected: base > 0 and cap >= base)");
        }
    }
}
