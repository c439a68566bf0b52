package io.mesh4j.client.internal.breaker;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.client.endpoint.EndpointSelectionStrategy;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.mesh4j.client.breaker.BreakerConfig;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.MeshScheduler;
import io.mesh4j.core.stack.StackParams;

/**
 * One resilience4j circuit breaker per endpoint of a service. The {@link BreakerLayer} records every attempt
 * in the breaker of its endpoint; the {@link #eject(EndpointGroup, EndpointSelectionStrategy) ejecting group}
 * keeps endpoints with an open breaker out of the balancer's choice, and {@link #isAvailable(Endpoint)} tells
 * the balancer which half-open endpoints have no trial call to spare, so that retries and new requests go
 * elsewhere instead of failing fast against them.
 */
public final class EndpointBreakers {

    /** The stack parameter through which the BREAKER layer finds the breakers of its service. */
    public static final StackParams.Key<EndpointBreakers> KEY = StackParams.Key.required("endpointBreakers");

    private static final Logger logger = LoggerFactory.getLogger(EndpointBreakers.class);

    private final ServiceName service;
    private final Supplier<BreakerConfig> config;
    private final Clock clock;
    private final Map<Endpoint, EndpointBreaker> breakers = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<TransitionListener> transitionListeners = new CopyOnWriteArrayList<>();

    private EndpointBreakers(ServiceName service, Supplier<BreakerConfig> config, Clock clock) {
        this.service = service;
        this.config = config;
        this.clock = clock;
    }

    /**
     * The breakers of {@code service}, by the config {@code config} gives. When it gives another (a pushed route
     * config with other outlier thresholds), each endpoint's breaker starts afresh by it at its next attempt.
     */
    public static EndpointBreakers of(ServiceName service, Supplier<BreakerConfig> config, Clock clock) {
        return new EndpointBreakers(
                requireNonNull(service, "service"), requireNonNull(config, "config"), requireNonNull(clock, "clock"));
    }

    /**
     * The breaker of {@code endpoint}, made closed on first use. Its changes of state through resilience4j's API
     * are observed as the attempts' are.
     */
    public CircuitBreaker breakerOf(Endpoint endpoint) {
        return endpointBreaker(endpoint).observed();
    }

    EndpointBreaker endpointBreaker(Endpoint endpoint) {
        requireNonNull(endpoint, "endpoint");
        final BreakerConfig current = config.get();
        final EndpointBreaker existing = breakers.get(endpoint);
        if (existing != null && existing.config == current) {
            return existing;
        }
        return breakers.compute(
                endpoint, (unused, old) -> old != null && old.config == current ? old : newBreaker(endpoint, current));
    }

    /**
     * Starts an attempt that does not go through the BREAKER layer (a forwarded TCP connection's connect) on
     * {@code endpoint}'s breaker, the one its calls are judged in.
     *
     * @param startNanos the ticker's time now
     * @return the attempt, to be told how it ended; null when the breaker refuses it (open, or half-open with no
     *     trial call to spare)
     */
    public @Nullable BreakerAttempt tryAttempt(Endpoint endpoint, long startNanos) {
        final EndpointBreaker breaker = endpointBreaker(endpoint);
        final EndpointBreaker.Permit permit = breaker.tryAcquire();
        return permit == EndpointBreaker.Permit.REFUSED ? null : new BreakerAttempt(breaker, permit, startNanos);
    }

    /**
     * The endpoints whose breaker is open: they get no traffic until it half-opens.
     */
    public Set<Endpoint> ejected() {
        return breakers.entrySet().stream()
                .filter(e -> isEjecting(e.getValue().breaker.getState()))
                .map(Map.Entry::getKey)
                .collect(Collectors.toUnmodifiableSet());
    }

    /** The most of the endpoints to keep out of rotation at once, in percent. */
    int maxEjectedPercent() {
        return config.get().maxEjectedPercent();
    }

    /**
     * Whether {@code endpoint}'s breaker would let an attempt through now: closed, or half-open with a trial call
     * to spare. Balancers ask this before they pick.
     */
    public boolean isAvailable(Endpoint endpoint) {
        final EndpointBreaker breaker = breakers.get(endpoint);
        return breaker == null || breaker.isAvailable();
    }

    /**
     * Returns a group of {@code discovered}'s endpoints minus the ejected ones, selected by
     * {@code selectionStrategy}. When every endpoint is ejected it offers them all, so that the breakers
     * fail calls fast rather than the group making them wait for an endpoint.
     */
    public EndpointGroup eject(EndpointGroup discovered, EndpointSelectionStrategy selectionStrategy) {
        return new EjectingEndpointGroup(discovered, this, selectionStrategy);
    }

    /**
     * Forgets the breakers of endpoints that left the service, so that an address reused later starts closed.
     */
    void retainOnly(Collection<Endpoint> endpoints) {
        breakers.keySet().retainAll(Set.copyOf(endpoints));
    }

    /**
     * Calls {@code listener} at every state change of every endpoint's breaker, such as for metrics.
     */
    public void onTransition(TransitionListener listener) {
        transitionListeners.add(requireNonNull(listener, "listener"));
    }

    void addListener(Runnable onEjectionChange) {
        listeners.add(onEjectionChange);
    }

    void removeListener(Runnable onEjectionChange) {
        listeners.remove(onEjectionChange);
    }

    private EndpointBreaker newBreaker(Endpoint endpoint, BreakerConfig c) {
        final CircuitBreakerConfig r4j = CircuitBreakerConfig.custom()
                .slidingWindowType(SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(c.slidingWindowSize())
                .minimumNumberOfCalls(c.minimumNumberOfCalls())
                .failureRateThreshold(c.failureRateThreshold())
                .waitDurationInOpenState(c.openDuration())
                .permittedNumberOfCallsInHalfOpenState(c.trialCalls())
                // Half-open on time, not on the next call (an ejected endpoint gets no calls to trigger it), by
                // EndpointBreaker's timer, so that the change is observed.
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .writableStackTraceEnabled(false)
                .clock(clock)
                .build();
        // No consumer on the breaker's event publisher: EndpointBreaker observes the state changes itself.
        final CircuitBreaker breaker = CircuitBreaker.of(service + "/" + endpoint.authority(), r4j);
        return new EndpointBreaker(
                breaker, c, (b, from, to) -> onTransition(endpoint, b, from, to), MeshScheduler.get());
    }

    private void onTransition(Endpoint endpoint, EndpointBreaker endpointBreaker, State from, State to) {
        final CircuitBreaker breaker = endpointBreaker.breaker;
        if (to == State.OPEN) {
            logger.warn(
                    "{}: breaker of {} opened ({}% of the last {} calls failed); no traffic for {} ms",
                    service,
                    endpoint.authority(),
                    Math.round(breaker.getMetrics().getFailureRate()),
                    breaker.getMetrics().getNumberOfBufferedCalls(),
                    endpointBreaker.config.openDuration().toMillis());
        } else {
            logger.info("{}: breaker of {} {} -> {}", service, endpoint.authority(), from, to);
        }
        transitionListeners.forEach(l -> l.onTransition(endpoint, from, to));
        if (isEjecting(from) != isEjecting(to)) {
            listeners.forEach(Runnable::run);
        }
    }

    private static boolean isEjecting(State state) {
        return state == State.OPEN || state == State.FORCED_OPEN;
    }

    /** Hears the state changes of the breakers. */
    @FunctionalInterface
    public interface TransitionListener {
        void onTransition(Endpoint endpoint, State from, State to);
    }

    @Override
    public String toString() {
        return "EndpointBreakers(" + service + ", ejected=" + ejected() + ')';
    }
}
