package io.mesh4j.registry.internal.quota;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.QuotaJson;
import io.mesh4j.core.routing.QuotaSpec;
import io.mesh4j.core.routing.RouteConfig;

/**
 * Who holds a share of which quota, and how much. Soft state, in this registry's memory only: a holder that
 * stops renewing drops out when its lease expires, and a restarted registry learns every holder again within one
 * renewal interval, since every holder keeps enforcing its last lease meanwhile. With replicas over etcd each
 * replica divides among the holders that ask it (a named gap: see docs/registry.md).
 */
public final class QuotaLeases {

    /** How long a lease holds unless renewed. */
    public static final Duration LEASE_TIME = Duration.ofSeconds(10);

    /** When a holder asks again: three chances to renew before its lease expires. */
    public static final Duration RENEW_AFTER = Duration.ofSeconds(3);

    /** One holder of one quota. */
    private static final class Holder {
        double demand;
        double share;
        long expiresAtMillis;
    }

    /** One quota of one service. */
    private static final class Quota {
        QuotaSpec spec;
        final Map<InstanceId, Holder> holders = new LinkedHashMap<>();
        long refusals;

        Quota(QuotaSpec spec) {
            this.spec = spec;
        }

        void expire(long now) {
            holders.values().removeIf(holder -> holder.expiresAtMillis <= now);
        }

        void divide() {
            final List<Holder> all = new ArrayList<>(holders.values());
            final double[] shares = FairShare.divide(
                    spec.perSecond(), all.stream().mapToDouble(h -> h.demand).toArray());
            for (int i = 0; i < shares.length; i++) {
                all.get(i).share = shares[i];
            }
        }
    }

    private final Clock clock;
    // Guarded by this. Keyed by service, then quota name.
    private final Map<ServiceName, Map<String, Quota>> quotas = new HashMap<>();

    public QuotaLeases(Clock clock) {
        this.clock = requireNonNull(clock, "clock");
    }

    /**
     * Records the instance's demand and answers its shares of the quotas of {@code config} it asked for; quotas
     * the config no longer has are forgotten. A release ends the instance's leases at once.
     *
     * @param instances how many instances of the service are registered, for the fallback divisor
     */
    public synchronized QuotaJson.LeaseAnswer lease(
            ServiceName service, @Nullable RouteConfig config, QuotaJson.LeaseRequest request, int instances) {
        final long now = clock.millis();
        final Map<String, QuotaSpec> specs =
                config == null ? Map.of() : config.quotas().stream().collect(Collectors.toMap(QuotaSpec::name, q -> q));
        final Map<String, Quota> held = quotas.computeIfAbsent(service, s -> new HashMap<>());
        held.keySet().retainAll(specs.keySet());
        final List<QuotaJson.Lease> leases = new ArrayList<>();
        if (request.release()) {
            held.values().forEach(q -> q.holders.remove(request.instance()));
        } else {
            for (QuotaJson.Demand demand : request.quotas()) {
                final @Nullable QuotaSpec spec = specs.get(demand.name());
                if (spec == null) {
                    continue;
                }
                final Quota quota = held.computeIfAbsent(spec.name(), name -> new Quota(spec));
                quota.spec = spec;
                quota.refusals += demand.refused();
                final Holder holder = quota.holders.computeIfAbsent(request.instance(), id -> new Holder());
                holder.demand = demand.demand();
                holder.expiresAtMillis = now + LEASE_TIME.toMillis();
                quota.expire(now);
                quota.divide();
                leases.add(new QuotaJson.Lease(spec.name(), holder.share, LEASE_TIME.toMillis(), quota.holders.size()));
            }
        }
        held.values().removeIf(q -> q.holders.isEmpty() && q.refusals == 0);
        if (held.isEmpty()) {
            quotas.remove(service);
        }
        return new QuotaJson.LeaseAnswer(leases, RENEW_AFTER.toMillis(), instances);
    }

    /** One holder as the operator sees it. */
    public record HolderView(InstanceId instance, double share, double demand, long expiresInMillis) {}

    /** One quota as the operator sees it. */
    public record QuotaView(ServiceName service, QuotaSpec spec, long refusals, List<HolderView> holders) {}

    /**
     * Every quota someone holds or was refused by, with its holders, by service and name; expired holders are
     * gone.
     */
    public synchronized List<QuotaView> view() {
        final long now = clock.millis();
        final List<QuotaView> views = new ArrayList<>();
        new TreeMap<>(quotas)
                .forEach((service, byName) -> new TreeMap<>(byName).forEach((name, quota) -> {
                    final int before = quota.holders.size();
                    quota.expire(now);
                    if (quota.holders.size() != before) {
                        quota.divide();
                    }
                    final List<HolderView> holders = new ArrayList<>();
                    quota.holders.forEach((id, h) ->
                            holders.add(new HolderView(id, h.share, h.demand, Math.max(0, h.expiresAtMillis - now))));
                    views.add(new QuotaView(service, quota.spec, quota.refusals, holders));
                }));
        return views;
    }

    /** The services that hold quota state, for tests that check that unknown names leave nothing behind. */
    public synchronized Set<ServiceName> servicesHeld() {
        return Set.copyOf(quotas.keySet());
    }
}
