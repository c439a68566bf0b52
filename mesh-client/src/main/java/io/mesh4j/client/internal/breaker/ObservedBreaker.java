package io.mesh4j.client.internal.breaker;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;

/**
 * An endpoint's resilience4j breaker as {@link EndpointBreakers#breakerOf} hands it out: every call goes to the
 * breaker, and each one that can change its state is followed by {@link EndpointBreaker#observe}, so that a change
 * made through resilience4j's API (a test opening the breaker, say) reaches the balancer, the ejecting group, the
 * metrics and the log as one made by the attempts does. Its event publisher is resilience4j's: a consumer added
 * there makes resilience4j build an event per attempt again.
 */
final class ObservedBreaker implements CircuitBreaker {

    private final CircuitBreaker breaker;
    private final EndpointBreaker endpoint;

    ObservedBreaker(CircuitBreaker breaker, EndpointBreaker endpoint) {
        this.breaker = breaker;
        this.endpoint = endpoint;
    }

    @Override
    public boolean tryAcquirePermission() {
        final boolean permitted = breaker.tryAcquirePermission();
        endpoint.observe(null);
        return permitted;
    }

    @Override
    public void releasePermission() {
        breaker.releasePermission();
    }

    @Override
    public void acquirePermission() {
        try {
            breaker.acquirePermission();
        } finally {
            endpoint.observe(null);
        }
    }

    @Override
    public void onError(long duration, TimeUnit durationUnit, Throwable throwable) {
        breaker.onError(duration, durationUnit, throwable);
        endpoint.observe(null);
    }

    @Override
    public void onSuccess(long duration, TimeUnit durationUnit) {
        breaker.onSuccess(duration, durationUnit);
        endpoint.observe(null);
    }

    @Override
    public void onResult(long duration, TimeUnit durationUnit, Object result) {
        breaker.onResult(duration, durationUnit, result);
        endpoint.observe(null);
    }

    @Override
    public void reset() {
        breaker.reset();
        endpoint.observe(null);
    }

    @Override
    public void transitionToClosedState() {
        breaker.transitionToClosedState();
        endpoint.observe(null);
    }

    @Override
    public void transitionToOpenState() {
        breaker.transitionToOpenState();
        endpoint.observe(null);
    }

    @Override
    public void transitionToOpenStateFor(Duration waitDuration) {
        breaker.transitionToOpenStateFor(waitDuration);
        endpoint.observe(waitDuration);
    }

    @Override
    public void transitionToOpenStateUntil(Instant waitUntil) {
        breaker.transitionToOpenStateUntil(waitUntil);
        endpoint.observe(Duration.between(Instant.now(), waitUntil));
    }

    @Override
    public void transitionToHalfOpenState() {
        breaker.transitionToHalfOpenState();
        endpoint.observe(null);
    }

    @Override
    public void transitionToDisabledState() {
        breaker.transitionToDisabledState();
        endpoint.observe(null);
    }

    @Override
    public void transitionToMetricsOnlyState() {
        breaker.transitionToMetricsOnlyState();
        endpoint.observe(null);
    }

    @Override
    public void transitionToForcedOpenState() {
        breaker.transitionToForcedOpenState();
        endpoint.observe(null);
    }

    @Override
    public String getName() {
        return breaker.getName();
    }

    @Override
    public State getState() {
        return breaker.getState();
    }

    @Override
    public CircuitBreakerConfig getCircuitBreakerConfig() {
        return breaker.getCircuitBreakerConfig();
    }

    @Override
    public Metrics getMetrics() {
        return breaker.getMetrics();
    }

    @Override
    public Map<String, String> getTags() {
        return breaker.getTags();
    }

    @Override
    public EventPublisher getEventPublisher() {
        return breaker.getEventPublisher();
    }

    @Override
    public long getCurrentTimestamp() {
        return breaker.getCurrentTimestamp();
    }

    @Override
    public TimeUnit getTimestampUnit() {
        return breaker.getTimestampUnit();
    }

    @Override
    public String toString() {
        return breaker.toString();
    }
}
