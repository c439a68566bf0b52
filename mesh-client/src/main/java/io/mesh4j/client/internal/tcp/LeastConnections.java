package io.mesh4j.client.internal.tcp;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.Endpoint;

/**
 * Picks the instance of a new connection: of two chosen at random, the one with fewer connections open through this
 * forward (power of two choices). Connections live long and cost unevenly, so the count of open ones is the load a
 * request balancer's latency would be for calls.
 */
final class LeastConnections {

    private final Map<String, AtomicInteger> open = new ConcurrentHashMap<>();

    /**
     * @param tried the authorities ({@code host:port}) this connection already failed to reach
     * @return an endpoint not tried yet; null when none is left
     */
    @Nullable
    Endpoint pick(List<Endpoint> endpoints, Set<String> tried) {
        final List<Endpoint> candidates = new ArrayList<>(endpoints.size());
        for (Endpoint endpoint : endpoints) {
            if (!tried.contains(endpoint.authority())) {
                candidates.add(endpoint);
            }
        }
        if (candidates.isEmpty()) {
            return null;
        }
        final ThreadLocalRandom random = ThreadLocalRandom.current();
        final Endpoint a = candidates.get(random.nextInt(candidates.size()));
        final Endpoint b = candidates.get(random.nextInt(candidates.size()));
        return openTo(a) <= openTo(b) ? a : b;
    }

    private int openTo(Endpoint endpoint) {
        final @Nullable AtomicInteger count = open.get(endpoint.authority());
        return count == null ? 0 : count.get();
    }

    void opened(Endpoint endpoint) {
        open.computeIfAbsent(endpoint.authority(), unused -> new AtomicInteger())
                .incrementAndGet();
    }

    void closed(Endpoint endpoint) {
        open.computeIfPresent(endpoint.authority(), (unused, count) -> count.decrementAndGet() <= 0 ? null : count);
    }
}
