package io.mesh4j.client.policy;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import io.mesh4j.client.breaker.BreakerConfig;
import io.mesh4j.client.retry.RetryConfig;

/**
 * The values the outbound layers read for calls to one service: the total timeout, the retries and the
 * breakers. The stack's shape is fixed when a client is built; these values are looked up per request, so
 * that replacing a service's policy in {@link ClientPolicies} takes effect on the next call. A route rule of the
 * registry's route config, or a typed client's policy annotations, win over these values for the calls they match.
 *
 * <pre>{@code
 * ClientPolicy policy = ClientPolicy.builder()
 *         .timeout(Duration.ofSeconds(2))
 *         .retry(RetryConfig.builder().maxAttempts(2).build())
 *         .build();
 * }</pre>
 */
public final class ClientPolicy {

    private static final ClientPolicy DEFAULTS = builder().build();

    private final Duration timeout;
    private final @Nullable Duration streamTimeout;
    private final RetryConfig retry;
    private final BreakerConfig breaker;

    private ClientPolicy(Builder b) {
        timeout = b.timeout;
        streamTimeout = b.streamTimeout;
        retry = b.retry;
        breaker = b.breaker;
    }

    /**
     * A 10 second total timeout (Armeria's default response timeout), {@link RetryConfig#ofDefaults()} and
     * {@link BreakerConfig#ofDefaults()}.
     *
     * @return the default policy, one shared instance
     */
    public static ClientPolicy ofDefaults() {
        return DEFAULTS;
    }

    /**
     * Returns a builder that starts from the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the longest a call may take, every attempt and backoff included; a gRPC stream's is
     * {@link #streamTimeout()} instead.
     *
     * @return {@code > 0}; 10 seconds unless set
     */
    public Duration timeout() {
        return timeout;
    }

    /**
     * Returns the longest a gRPC streaming call (client, server or bidirectional) may last. A stream is not bounded
     * by {@link #timeout()}: as with Istio and Linkerd, it lasts as long as its stub's deadline (and the deadline of
     * the request being served) lets it, unless this or its route rule's {@code timeout} says otherwise.
     *
     * @return {@code > 0}, or null when not set: no mesh timeout for streams
     */
    public @Nullable Duration streamTimeout() {
        return streamTimeout;
    }

    /**
     * Returns how calls are retried.
     *
     * @return the retry config; {@link RetryConfig#ofDefaults()} unless set
     */
    public RetryConfig retry() {
        return retry;
    }

    /**
     * Returns when an endpoint's breaker opens.
     *
     * @return the breaker config; {@link BreakerConfig#ofDefaults()} unless set
     */
    public BreakerConfig breaker() {
        return breaker;
    }

    /**
     * Returns a builder that starts from this policy's values.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        final Builder builder = new Builder().timeout(timeout).retry(retry).breaker(breaker);
        builder.streamTimeout = streamTimeout;
        return builder;
    }

    @Override
    public String toString() {
        return "ClientPolicy(timeout=" + timeout.toMillis() + "ms, "
                + (streamTimeout != null ? "streamTimeout=" + streamTimeout.toMillis() + "ms, " : "") + retry + ", "
                + breaker + ')';
    }

    /** Builds a {@link ClientPolicy}; every setter has a default, those of {@link #ofDefaults()}. */
    public static final class Builder {

        private Duration timeout = Duration.ofSeconds(10);
        private @Nullable Duration streamTimeout;
        private RetryConfig retry = RetryConfig.ofDefaults();
        private BreakerConfig breaker = BreakerConfig.ofDefaults();

        private Builder() {}

        /**
         * Sets the longest a call may take, every attempt and backoff included; 10 seconds unless set.
         *
         * @param timeout {@code > 0}
         * @return this builder
         * @throws IllegalArgumentException if not {@code > 0}
         */
        public Builder timeout(Duration timeout) {
            requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * Sets the longest a gRPC streaming call may last; none unless set, so that a stream lasts as long as its
         * stub's deadline lets it. A route rule's {@code timeout} for the method wins over it.
         *
         * @param streamTimeout {@code > 0}
         * @return this builder
         * @throws IllegalArgumentException if not {@code > 0}
         */
        public Builder streamTimeout(Duration streamTimeout) {
            requireNonNull(streamTimeout, "streamTimeout");
            if (streamTimeout.isNegative() || streamTimeout.isZero()) {
                throw new IllegalArgumentException("streamTimeout: " + streamTimeout + " (expected: > 0)");
            }
            this.streamTimeout = streamTimeout;
            return this;
        }

        /**
         * Sets how calls are retried; {@link RetryConfig#ofDefaults()} unless set.
         *
         * @param retry the retry config
         * @return this builder
         */
        public Builder retry(RetryConfig retry) {
            this.retry = requireNonNull(retry, "retry");
            return this;
        }

        /**
         * Sets when an endpoint's breaker opens; {@link BreakerConfig#ofDefaults()} unless set.
         *
         * @param breaker the breaker config
         * @return this builder
         */
        public Builder breaker(BreakerConfig breaker) {
            this.breaker = requireNonNull(breaker, "breaker");
            return this;
        }

        /**
         * Returns the policy.
         *
         * @return a new policy
         */
        public ClientPolicy build() {
            return new ClientPolicy(this);
        }
    }
}
