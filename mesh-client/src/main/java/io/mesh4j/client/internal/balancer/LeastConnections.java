package io.mesh4j.client.internal.balancer;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.Endpoint;

import io.mesh4j.client.balancer.EndpointAvailability;

/**
 * Picks the instance of a new long-lived connection (a forwarded TCP connection, a WebSocket): of two chosen at
 * random, the one with fewer connections open through its owner (power of two choices). Connections live long and
 * cost unevenly, so the count of open ones is the load a request balancer's latency would be for calls.
 */
public final class LeastConnections {

    private final Map<String, AtomicInteger> open = new ConcurrentHashMap<>();
    private final EndpointAvailability availability;

    /** Picks among every endpoint it is given. */
    public LeastConnections() {
        this(EndpointAvailability.ALL);
    }

    /**
     * Picks among the endpoints {@code availability} says may take a connection, while there are any: an endpoint
     * whose breaker is open (but not ejected, past the service's {@code maxEjectedPercent}) or half-open with no
     * trial to spare is passed over, as the request balancers do.
     *
     * @param availability whether an endpoint's breaker would let a connection through now
     */
    public LeastConnections(EndpointAvailability availability) {
        this.availability = requireNonNull(availability, "availability");
    }

    /**
     * Picks the endpoint of a new connection among {@code endpoints}.
     *
     * @param tried the authorities ({@code host:port}) this connection already failed to reach
     * @return an endpoint not tried yet; null when none is left
     */
    @Nullable
    public Endpoint pick(List<Endpoint> endpoints, Set<String> tried) {
        final List<Endpoint> candidates = new ArrayList<>(endpoints.size());
        for (Endpoint endpoint : endpoints) {
            if (!tried.contains(endpoint.authority())) {
                candidates.add(endpoint);
            }
        }
        if (candidates.isEmpty()) {
            return null;
        }
        final List<Endpoint> available = new ArrayList<>(candidates.size());
        for (Endpoint endpoint : candidates) {
            if (availability.isAvailable(endpoint)) {
                available.add(endpoint);
            }
        }
        // None available: the first pick goes on, and its breaker refuses it fast, as a call's would.
        return pickOf(available.isEmpty() ? candidates : available);
    }

    private Endpoint pickOf(List<Endpoint> candidates) {
        final ThreadLocalRandom random = ThreadLocalRandom.current();
        final Endpoint a = candidates.get(random.nextInt(candidates.size()));
        final Endpoint b = candidates.get(random.nextInt(candidates.size()));
        return openTo(a) <= openTo(b) ? a : b;
    }

    private int openTo(Endpoint endpoint) {
        final @Nullable AtomicInteger count = open.get(endpoint.authority());
        return count == null ? 0 : count.get();
    }

    /** A connection to {@code endpoint} opened: it counts until {@link #closed}. */
    public void opened(Endpoint endpoint) {
        open.computeIfAbsent(endpoint.authority(), unused -> new AtomicInteger())
                .incrementAndGet();
    }

    /** A connection to {@code endpoint} that {@link #opened} counted has closed. */
    public void closed(Endpoint endpoint) {
        open.computeIfPresent(endpoint.authority(), (unused, count) -> count.decrementAndGet() <= 0 ? null : count);
    }
}
