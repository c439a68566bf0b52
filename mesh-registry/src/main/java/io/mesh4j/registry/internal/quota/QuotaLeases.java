package io.mesh4j.registry.internal.quota;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.QuotaJson;
import io.mesh4j.core.internal.registry.RouteJson;
import io.mesh4j.core.routing.QuotaSpec;
import io.mesh4j.core.routing.RouteConfig;

/**
 * The leases of the quotas: each holder's share is its part of a max-min fair division ({@link FairShare}) of the
 * quota among every live holder by demand. The holders are kept by a {@link QuotaHolders}: this registry's memory,
 * or etcd shared by every replica, so that the division is mesh-wide whichever replica each holder asks.
 */
public final class QuotaLeases {

    /** How long a lease holds unless renewed. */
    public static final Duration LEASE_TIME = Duration.ofSeconds(10);

    /** When a holder asks again: three chances to renew before its lease expires. */
    public static final Duration RENEW_AFTER = Duration.ofSeconds(3);

    private final Clock clock;
    private final QuotaHolders holders;

    public QuotaLeases(Clock clock, QuotaHolders holders) {
        this.clock = requireNonNull(clock, "clock");
        this.holders = requireNonNull(holders, "holders");
    }

    /**
     * Records the instance's demand and answers its shares of the quotas it asked for: those of {@code config},
     * and those it declares ({@code @Quota}) that the config does not have, sized by the smallest declaration of
     * their live holders. Quotas that neither the config nor a live holder has are forgotten. A release ends the
     * instance's leases at once.
     *
     * @param instances how many instances of the service are registered, for the fallback divisor
     */
    public QuotaJson.LeaseAnswer lease(
            ServiceName service, @Nullable RouteConfig config, QuotaJson.LeaseRequest request, int instances) {
        final Map<String, QuotaSpec> specs = specs(config);
        final Set<String> keep = new HashSet<>(specs.keySet());
        request.quotas().stream()
                .filter(demand -> demand.declared() != null)
                .forEach(demand -> keep.add(demand.name()));
        holders.retain(service, keep);
        final List<QuotaJson.Lease> leases = new ArrayList<>();
        if (request.release()) {
            holders.release(service, request.instance());
        } else {
            final long expiresAt = clock.millis() + LEASE_TIME.toMillis();
            for (QuotaJson.Demand demand : request.quotas()) {
                if (!specs.containsKey(demand.name()) && demand.declared() == null) {
                    continue;
                }
                final List<QuotaHolders.Holder> all = holders.hold(
                        service,
                        demand.name(),
                        request.instance(),
                        demand.demand(),
                        demand.refused(),
                        expiresAt,
                        demand.declared());
                final @Nullable QuotaSpec spec = inForce(specs.get(demand.name()), all);
                if (spec == null) {
                    continue;
                }
                final double[] shares = divide(spec, all);
                double share = 0;
                for (int i = 0; i < shares.length; i++) {
                    if (all.get(i).instance().equals(request.instance())) {
                        share = shares[i];
                    }
                }
                leases.add(new QuotaJson.Lease(spec.name(), share, LEASE_TIME.toMillis(), all.size()));
            }
        }
        return new QuotaJson.LeaseAnswer(leases, RENEW_AFTER.toMillis(), instances);
    }

    /**
     * The quota divided: the route config's when it has one of the name (the operator's word, which changes live),
     * else the smallest that a holder declares (holders of two versions may declare two sizes: the stricter holds
     * until every holder agrees); null when neither.
     */
    static @Nullable QuotaSpec inForce(@Nullable QuotaSpec fromConfig, List<QuotaHolders.Holder> holders) {
        if (fromConfig != null) {
            return fromConfig;
        }
        return holders.stream()
                .map(QuotaHolders.Holder::declared)
                .filter(Objects::nonNull)
                .min(SMALLEST)
                .orElse(null);
    }

    /** By rate, then by period and caller, so that every replica picks the same of two equal rates. */
    private static final Comparator<QuotaSpec> SMALLEST = Comparator.comparingDouble(QuotaSpec::perSecond)
            .thenComparing(QuotaSpec::per)
            .thenComparing(spec -> spec.caller() == null ? "" : spec.caller().value());

    /** The distinct sizes the holders declare, smallest first, as {@code 100/1s}. */
    private static List<String> declaredSizes(List<QuotaHolders.Holder> holders) {
        return holders.stream()
                .map(QuotaHolders.Holder::declared)
                .filter(Objects::nonNull)
                .sorted(SMALLEST)
                .map(QuotaLeases::size)
                .distinct()
                .toList();
    }

    /** {@code 100/1s}, or {@code 100/1s from frontend}. */
    public static String size(QuotaSpec spec) {
        return spec.requests() + "/" + RouteJson.formatDuration(spec.per())
                + (spec.caller() == null ? "" : " from " + spec.caller().value());
    }

    private static Map<String, QuotaSpec> specs(@Nullable RouteConfig config) {
        return config == null ? Map.of() : config.quotas().stream().collect(Collectors.toMap(QuotaSpec::name, q -> q));
    }

    private static double[] divide(QuotaSpec spec, List<QuotaHolders.Holder> all) {
        return FairShare.divide(
                spec.perSecond(),
                all.stream().mapToDouble(QuotaHolders.Holder::demand).toArray());
    }

    /** One holder as the operator sees it. */
    public record HolderView(InstanceId instance, double share, double demand, long expiresInMillis) {}

    /**
     * One quota as the operator sees it.
     *
     * @param fromConfig whether {@code spec} is the route config's; else the smallest one its holders declare
     * @param declared the distinct sizes its holders declare with {@code @Quota}, smallest first, such as
     *     {@code 100/1s}; empty when none does
     */
    public record QuotaView(
            ServiceName service,
            QuotaSpec spec,
            boolean fromConfig,
            List<String> declared,
            long refusals,
            List<HolderView> holders) {}

    /**
     * Every quota in force that someone holds or was refused by, with its holders and their shares now, by
     * service and name; expired holders are gone.
     *
     * @param configs each service's route config in force
     */
    public List<QuotaView> view(Function<ServiceName, @Nullable RouteConfig> configs) {
        final long now = clock.millis();
        final List<QuotaView> views = new ArrayList<>();
        for (QuotaHolders.Held held : holders.all()) {
            final @Nullable QuotaSpec fromConfig =
                    specs(configs.apply(held.service())).get(held.quota());
            final @Nullable QuotaSpec spec = inForce(fromConfig, held.holders());
            if (spec == null) {
                continue; // neither in the route config nor declared: forgotten at the service's next lease
            }
            final double[] shares = divide(spec, held.holders());
            final List<HolderView> holderViews = new ArrayList<>();
            for (int i = 0; i < shares.length; i++) {
                final QuotaHolders.Holder holder = held.holders().get(i);
                holderViews.add(new HolderView(
                        holder.instance(), shares[i], holder.demand(), Math.max(0, holder.expiresAtMillis() - now)));
            }
            views.add(new QuotaView(
                    held.service(),
                    spec,
                    fromConfig != null,
                    declaredSizes(held.holders()),
                    held.refusals(),
                    holderViews));
        }
        return views;
    }
}
