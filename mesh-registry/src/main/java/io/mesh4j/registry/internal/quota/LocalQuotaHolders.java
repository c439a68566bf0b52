package io.mesh4j.registry.internal.quota;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.routing.QuotaSpec;

/**
 * The holders in this registry's memory only: soft state, since a holder that stops renewing drops out when its
 * lease expires, and a restarted registry learns every holder again within one renewal interval (every holder
 * keeps enforcing its last lease meanwhile). The store of a single registry, with its file store.
 */
public final class LocalQuotaHolders implements QuotaHolders {

    /** One quota of one service. */
    private static final class Quota {
        final Map<InstanceId, Holder> holders = new TreeMap<>();
        long refusals;

        void expire(long now) {
            holders.values().removeIf(holder -> holder.expiresAtMillis() <= now);
        }
    }

    private final Clock clock;
    // Guarded by this. Keyed by service, then quota name.
    private final Map<ServiceName, Map<String, Quota>> quotas = new HashMap<>();

    public LocalQuotaHolders(Clock clock) {
        this.clock = requireNonNull(clock, "clock");
    }

    @Override
    public synchronized List<Holder> hold(
            ServiceName service,
            String quota,
            InstanceId instance,
            double demand,
            long refused,
            long expiresAtMillis,
            @Nullable QuotaSpec declared) {
        final Quota held =
                quotas.computeIfAbsent(service, s -> new HashMap<>()).computeIfAbsent(quota, name -> new Quota());
        held.refusals += refused;
        held.holders.put(instance, new Holder(instance, demand, expiresAtMillis, declared));
        held.expire(clock.millis());
        return List.copyOf(held.holders.values());
    }

    @Override
    public synchronized void release(ServiceName service, InstanceId instance) {
        final Map<String, Quota> held = quotas.get(service);
        if (held != null) {
            held.values().forEach(q -> q.holders.remove(instance));
            forgetEmpty(service, held);
        }
    }

    @Override
    public synchronized void retain(ServiceName service, Set<String> names) {
        final Map<String, Quota> held = quotas.get(service);
        if (held != null) {
            final long now = clock.millis();
            held.entrySet().removeIf(entry -> {
                entry.getValue().expire(now);
                return !names.contains(entry.getKey())
                        && entry.getValue().holders.values().stream().allMatch(h -> h.declared() == null);
            });
            forgetEmpty(service, held);
        }
    }

    private void forgetEmpty(ServiceName service, Map<String, Quota> held) {
        held.values().removeIf(q -> q.holders.isEmpty() && q.refusals == 0);
        if (held.isEmpty()) {
            quotas.remove(service);
        }
    }

    @Override
    public synchronized List<Held> all() {
        final long now = clock.millis();
        final List<Held> all = new ArrayList<>();
        new TreeMap<>(quotas)
                .forEach((service, byName) -> new TreeMap<>(byName).forEach((name, quota) -> {
                    quota.expire(now);
                    all.add(new Held(service, name, List.copyOf(quota.holders.values()), quota.refusals));
                }));
        return all;
    }
}
