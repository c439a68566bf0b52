package io.mesh4j.core.routing;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Set;

/**
 * How a route's calls are retried: attempts in all, on which outcomes, with which backoff. Backoff is exponential
 * from {@code backoffBase}, capped at {@code backoffCap}, with full jitter; every retry is also paid from the
 * service's retry budget and bounded by the call's deadline.
 *
 * <pre>{@code
 * new RetrySpec(3, Set.of(RetryOn.UNPROCESSED, RetryOn.GATEWAY_ERROR), Duration.ofMillis(25), Duration.ofSeconds(1))
 * }</pre>
 *
 * @param attempts attempts in all, the first included, 1 (no retry) to 10
 * @param on the outcomes that are retried; empty retries none
 * @param backoffBase the backoff before the first retry, {@code > 0}
 * @param backoffCap the longest backoff, at least {@code backoffBase}
 */
public record RetrySpec(int attempts, Set<RetryOn> on, Duration backoffBase, Duration backoffCap) {

    /**
     * The attempts in all, the first included, unless set: of {@code @Retry}, of a route config's {@code retry}
     * and of the client's {@code RetryConfig}.
     */
    public static final int DEFAULT_ATTEMPTS = 3;

    /**
     * The ceiling of the first backoff in milliseconds unless set: of {@code @Retry}, of a route config's
     * {@code retry} and of the client's {@code RetryConfig}.
     */
    public static final long DEFAULT_BACKOFF_BASE_MILLIS = 10;

    /**
     * The ceiling of every backoff in milliseconds unless set: of {@code @Retry}, of a route config's
     * {@code retry} and of the client's {@code RetryConfig}.
     */
    public static final long DEFAULT_BACKOFF_CAP_MILLIS = 500;

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
        TIMEOUT("timeout"),
        /** gRPC {@code CANCELLED}: the server cancelled the call. */
        GRPC_CANCELLED("cancelled"),
        /** gRPC {@code DEADLINE_EXCEEDED} sent by the server (a timeout the client saw itself is {@link #TIMEOUT}). */
        GRPC_DEADLINE_EXCEEDED("deadline-exceeded"),
        /** gRPC {@code INTERNAL}. */
        GRPC_INTERNAL("internal"),
        /** gRPC {@code RESOURCE_EXHAUSTED}: the server shed the call (out of quota, overloaded). */
        GRPC_RESOURCE_EXHAUSTED("resource-exhausted"),
        /**
         * gRPC {@code UNAVAILABLE}. {@link #UNAVAILABLE}, {@link #GATEWAY_ERROR} and {@link #SERVER_ERROR} retry it
         * too, as gRPC reads a 502, 503 or 504 as {@code UNAVAILABLE}.
         */
        GRPC_UNAVAILABLE("unavailable");

        private final String wireName;

        RetryOn(String wireName) {
            this.wireName = wireName;
        }

        /**
         * Returns the name the route config's JSON uses, such as {@code "gateway-error"}.
         *
         * @return the name in the registry's wire format
         */
        public String wireName() {
            return wireName;
        }
    }

    /**
     * Checks the components and copies {@code on}.
     *
     * @param attempts see {@link #attempts()}
     * @param on see {@link #on()}
     * @param backoffBase see {@link #backoffBase()}
     * @param backoffCap see {@link #backoffCap()}
     * @throws NullPointerException if {@code on}, {@code backoffBase} or {@code backoffCap} is {@code null}
     * @throws IllegalArgumentException if a value is out of its range
     */
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
