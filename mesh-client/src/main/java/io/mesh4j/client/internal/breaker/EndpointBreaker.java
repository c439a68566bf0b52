package io.mesh4j.client.internal.breaker;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.mesh4j.client.breaker.BreakerConfig;

/**
 * One endpoint's breaker, with what resilience4j does not tell: failures in a row (which open it at once), trial
 * calls granted since it last half-opened (which say whether it can take another), and its state changes.
 *
 * <p>The state changes are observed here, not heard from resilience4j's event publisher: any consumer on that
 * publisher, even one of state transitions only, makes resilience4j build an event (a name, a {@code ZonedDateTime}
 * and a {@code Duration}) for every successful attempt, which was about 1.3 % of the client's event loop at 64 in
 * flight. Every call that can change the state goes through this class ({@link #tryAcquire()}, {@link #onSuccess},
 * {@link #onFailure}, and the breaker {@link #observed()} hands out, whose {@code transitionTo…} methods observe
 * too), and compares the state after it with the last one observed: one volatile read when nothing changed. The
 * one change resilience4j would make on its own, from open to half-open once the open period has passed, is made
 * here on a timer instead ({@code automaticTransitionFromOpenToHalfOpenEnabled} is off), so it is observed too.
 */
final class EndpointBreaker {

    final CircuitBreaker breaker;
    final BreakerConfig config;
    private final TransitionSink sink;
    private final ScheduledExecutorService scheduler;
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    /**
     * Trial calls granted since the breaker last half-opened, not those still in flight: resilience4j grants
     * {@code trialCalls} permits per half-open period and takes none back when a trial ends; it decides once that
     * many trials have answered. Counting trials in flight, this said "available" once one trial had answered and
     * another still hung (a partition), while resilience4j refused every attempt: the balancer kept picking the
     * endpoint and calls failed on its refusals (CHAOS.md, finding 1).
     */
    private final AtomicInteger trialsGranted = new AtomicInteger();
    /** The state last observed; written under this object's lock. */
    private volatile State observed;
    /** How many times it has been observed opening; under this object's lock. Tells a timer its open period. */
    private int openings;

    EndpointBreaker(
            CircuitBreaker breaker, BreakerConfig config, TransitionSink sink, ScheduledExecutorService scheduler) {
        this.breaker = breaker;
        this.config = config;
        this.sink = sink;
        this.scheduler = scheduler;
        observed = breaker.getState();
    }

    boolean isAvailable() {
        final State state = breaker.getState();
        if (state == State.CLOSED || state == State.DISABLED || state == State.METRICS_ONLY) {
            return true;
        }
        return state == State.HALF_OPEN && trialsGranted.get() < config.trialCalls();
    }

    /**
     * Asks to send an attempt; returns whether it may, and if so whether it is a trial call.
     */
    Permit tryAcquire() {
        // An open breaker whose period has passed half-opens in tryAcquirePermission and grants this attempt a trial.
        final boolean permitted = breaker.tryAcquirePermission();
        final State state = breaker.getState();
        if (state != observed) {
            // First: a new half-open period resets the count of trials before this one is counted.
            observe(null);
        }
        if (!permitted) {
            return Permit.REFUSED;
        }
        if (state == State.HALF_OPEN) {
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
        if (breaker.getState() != observed) {
            observe(null);
        }
    }

    void onFailure(Permit permit, long nanos, Throwable cause) {
        breaker.onError(nanos, TimeUnit.NANOSECONDS, cause);
        if (consecutiveFailures.incrementAndGet() >= config.consecutiveFailures()
                && breaker.getState() == State.CLOSED) {
            consecutiveFailures.set(0);
            breaker.transitionToOpenState();
        }
        if (breaker.getState() != observed) {
            observe(null);
        }
    }

    /** Gives an attempt's permit back: it told nothing of the endpoint. */
    void releasePermission() {
        breaker.releasePermission();
    }

    /**
     * The breaker as resilience4j's API, whose changes of state (a {@code transitionTo…} from a test or an operator's
     * tool) are observed as the attempts' are.
     */
    CircuitBreaker observed() {
        return new ObservedBreaker(breaker, this);
    }

    /**
     * Tells the sink of a change of state since the last one observed, if there was one.
     *
     * @param openFor how long an open state this finds lasts; null for the config's open duration
     */
    synchronized void observe(@Nullable Duration openFor) {
        final State to = breaker.getState();
        final State from = observed;
        if (to == from) {
            return;
        }
        observed = to;
        if (to == State.HALF_OPEN) {
            // A new half-open period: resilience4j has trialCalls permits again. Before anyone is told: the balancer
            // may offer it trial calls again.
            trialsGranted.set(0);
        } else if (to == State.OPEN) {
            final int opening = ++openings;
            final Duration wait = openFor != null ? openFor : config.openDuration();
            // Half-open on time, not on the next call: an ejected endpoint gets no calls to trigger it.
            scheduler.schedule(() -> halfOpen(opening), Math.max(0, wait.toNanos()), TimeUnit.NANOSECONDS);
        }
        // Under the lock, so that the sink hears the changes of one breaker in the order they were made.
        sink.onTransition(this, from, to);
    }

    /** The open period {@code opening} has passed: half-open, unless the breaker has left it already. */
    private synchronized void halfOpen(int opening) {
        if (opening == openings && breaker.getState() == State.OPEN) {
            breaker.transitionToHalfOpenState();
        }
        observe(null);
    }

    /** Whether an attempt may go, and whether it goes as one of a half-open breaker's trial calls. */
    enum Permit {
        REFUSED,
        NORMAL,
        TRIAL
    }

    /** Hears each observed change of an endpoint breaker's state. */
    @FunctionalInterface
    interface TransitionSink {
        void onTransition(EndpointBreaker breaker, State from, State to);
    }
}
