package io.mesh4j.client.policy;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

import io.mesh4j.client.breaker.BreakerConfig;
import io.mesh4j.client.retry.RetryConfig;

/**
 * The values the outbound layers read for calls to one service: the total timeout, the retries and the
 * breakers. The stack's shape is fixed when a client is built; these values are looked up per request, so
 * that replacing a service's policy in {@link ClientPolicies} takes effect on the next call.
 */
public final class ClientPolicy {

    private static final ClientPolicy DEFAULTS = builder().build();

    private final Duration timeout;
    private final RetryConfig retry;
    private final BreakerConfig breaker;

    private ClientPolicy(Builder b) {
        timeout = b.timeout;
        retry = b.retry;
        breaker = b.breaker;
    }

    /**
     * A 10 second total timeout (Armeria's default response timeout), {@link RetryConfig#ofDefaults()} and
     * {@link BreakerConfig#ofDefaults()}.
     */
    public static ClientPolicy ofDefaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The longest a call may take, every attempt and backoff included. */
    public Duration timeout() {
        return timeout;
    }

    public RetryConfig retry() {
        return retry;
    }

    public BreakerConfig breaker() {
        return breaker;
    }

    public Builder toBuilder() {
        return new Builder().timeout(timeout).retry(retry).breaker(breaker);
    }

    @Override
    public String toString() {
        return "ClientPolicy(timeout=" + timeout.toMillis() + "ms, " + retry + ", " + breaker + ')';
    }

    public static final class Builder {

        private Duration timeout = Duration.ofSeconds(10);
        private RetryConfig retry = RetryConfig.ofDefaults();
        private BreakerConfig breaker = BreakerConfig.ofDefaults();

        private Builder() {}

        public Builder timeout(Duration timeout) {
            requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
            }
            this.timeout = timeout;
            return this;
        }

        public Builder retry(RetryConfig retry) {
            this.retry = requireNonNull(retry, "retry");
            return this;
        }

        public Builder breaker(BreakerConfig breaker) {
            this.breaker = requireNonNull(breaker, "breaker");
            return this;
        }

        public ClientPolicy build() {
            return new ClientPolicy(this);
        }
    }
}
