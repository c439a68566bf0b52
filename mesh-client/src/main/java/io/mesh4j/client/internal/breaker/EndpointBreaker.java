package io.mesh4j.client.internal.breaker;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.mesh4j.client.breaker.BreakerConfig;

/**
 * One endpoint's breaker, with what resilience4j does not count: failures in a row (which open it at once),
 * and trial calls in flight while it is half-open (which say whether it can take another).
 */
final class EndpointBreaker {

    final CircuitBreaker breaker;
    final BreakerConfig config;
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private final AtomicInteger trialsInFlight = new AtomicInteger();

    EndpointBreaker(CircuitBreaker breaker, BreakerConfig config) {
        this.breaker = breaker;
        this.config = config;
    }

    boolean isAvailable() {
        final State state = breaker.getState();
        if (state == State.CLOSED || state == State.DISABLED || state == State.METRICS_ONLY) {
            return true;
        }
        return state == State.HALF_OPEN && trialsInFlight.get() < config.trialCalls();
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
            trialsInFlight.incrementAndGet();
            return Permit.TRIAL;
        }
        return Permit.NORMAL;
    }

    void onSuccess(Permit permit, long nanos) {
        release(permit);
        consecutiveFailures.set(0);
        breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
    }

    void onFailure(Permit permit, long nanos, Throwable cause) {
        release(permit);
        breaker.onError(nanos, TimeUnit.NANOSECONDS, cause);
        if (consecutiveFailures.incrementAndGet() >= config.consecutiveFailures()
                && breaker.getState() == State.CLOSED) {
            consecutiveFailures.set(0);
            breaker.transitionToOpenState();
        }
    }

    private void release(Permit permit) {
        if (permit == Permit.TRIAL) {
            trialsInFlight.decrementAndGet();
        }
    }

    /** Whether an attempt may go, and whether it goes as one of a half-open breaker's trial calls. */
    enum Permit {
        REFUSED,
        NORMAL,
        TRIAL
    }
}
