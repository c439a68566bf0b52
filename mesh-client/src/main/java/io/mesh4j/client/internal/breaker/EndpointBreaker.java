package io.mesh4j.client.internal.breaker;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.mesh4j.client.breaker.BreakerConfig;

/**
 * One endpoint's breaker, with what resilience4j does not tell: failures in a row (which open it at once), and
 * trial calls granted since it last half-opened (which say whether it can take another).
 */
final class EndpointBreaker {

    final CircuitBreaker breaker;
    final BreakerConfig config;
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    /**
     * Trial calls granted since the breaker last half-opened, not those still in flight: resilience4j grants
     * {@code trialCalls} permits per half-open period and takes none back when a trial ends; it decides once that
     * many trials have answered. Counting trials in flight, this said "available" once one trial had answered and
     * another still hung (a partition), while resilience4j refused every attempt: the balancer kept picking the
     * endpoint and calls failed on its refusals (CHAOS.md, finding 1).
     */
    private final AtomicInteger trialsGranted = new AtomicInteger();

    EndpointBreaker(CircuitBreaker breaker, BreakerConfig config) {
        this.breaker = breaker;
        this.config = config;
    }

    boolean isAvailable() {
        final State state = breaker.getState();
        if (state == State.CLOSED || state == State.DISABLED || state == State.METRICS_ONLY) {
            return true;
        }
        return state == State.HALF_OPEN && trialsGranted.get() < config.trialCalls();
    }

    /** A new half-open period: resilience4j has {@code trialCalls} permits again. */
    void onHalfOpen() {
        trialsGranted.set(0);
    }

    /**
     * Asks to send an attempt; returns whether it may, and if so whether it is a trial call.
     */
    Permit tryAcquire() {
        final boolean trial = breaker.getState() == State.HALF_OPEN;
        if (!breaker.tryAcquirePermission()) {
            return Permit.REFUSED;
        }
        if (trial) {
            trialsGranted.incrementAndGet();
            return Permit.TRIAL;
        }
        return Permit.NORMAL;
    }

    void onSuccess(Permit permit, long nanos) {
        if (consecutiveFailures.get() != 0) {
            // Read first: a volatile write on every success, the common case, would be a fence per attempt.
            consecutiveFailures.set(0);
        }
        breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
    }

    void onFailure(Permit permit, long nanos, Throwable cause) {
        breaker.onError(nanos, TimeUnit.NANOSECONDS, cause);
        if (consecutiveFailures.incrementAndGet() >= config.consecutiveFailures()
                && breaker.getState() == State.CLOSED) {
            consecutiveFailures.set(0);
            breaker.transitionToOpenState();
        }
    }

    /** Whether an attempt may go, and whether it goes as one of a half-open breaker's trial calls. */
    enum Permit {
        REFUSED,
        NORMAL,
        TRIAL
    }
}
