package io.mesh4j.server.internal.quota;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.QuotaJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.routing.QuotaSpec;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.stack.StackParams;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Keeps this instance's shares of its service's quotas: in the background, every few seconds (as the registry
 * says), it reports the demand it saw per quota and resizes each local bucket to the share the registry leased
 * it. The request path never calls the registry and never waits for a lease: until the first lease, and once a
 * lease expires without renewal (the registry away), a bucket holds the safe share, the quota divided by the
 * instances last known; that is logged once, and shown in health ({@link #describe()}).
 */
public final class QuotaLeaseKeeper {

    private static final Logger logger = LoggerFactory.getLogger(QuotaLeaseKeeper.class);

    /** The stack parameter through which the RATE_LIMIT layer finds it; none (no quota enforced) unless set. */
    public static final StackParams.Key<Optional<QuotaLeaseKeeper>> KEY =
            StackParams.Key.of("quotaLeases", Optional::empty);

    /** How soon to look again for quotas when the config has none. */
    private static final long IDLE_MILLIS = 2000;

    /** How soon to ask again after a failed ask. */
    private static final long RETRY_MILLIS = 1000;

    private final RegistryClient registry;
    private final ServiceName service;
    private final InstanceId instance;
    private final Supplier<RouteConfig> routes;
    // The @Quota annotations' quotas, by name: leased as the route config's are, sized by it when it has the name.
    private final Map<String, QuotaSpec> declared;
    private final ScheduledExecutorService executor;
    private final LongSupplier nanoTime;
    private final @Nullable MeterRegistry meters;
    private final Map<String, LocalQuota> quotas = new ConcurrentHashMap<>();
    // Per quota name, for as long as the instance runs: the refusals counter must never go back.
    private final Map<String, LongAdder> refusalTotals = new ConcurrentHashMap<>();
    private final Set<String> metered = ConcurrentHashMap.newKeySet();

    // Written by the renewal task only (one at a time).
    private volatile int lastKnownInstances = 1;
    private long lastReportNanos;
    private volatile boolean registryAway;
    private volatile @Nullable ScheduledFuture<?> next;
    private volatile boolean closed;

    public QuotaLeaseKeeper(
            RegistryClient registry,
            ServiceName service,
            InstanceId instance,
            Supplier<RouteConfig> routes,
            List<QuotaSpec> declared,
            ScheduledExecutorService executor,
            LongSupplier nanoTime,
            @Nullable MeterRegistry meters) {
        this.registry = requireNonNull(registry, "registry");
        this.service = requireNonNull(service, "service");
        this.instance = requireNonNull(instance, "instance");
        this.routes = requireNonNull(routes, "routes");
        final Map<String, QuotaSpec> byName = new TreeMap<>();
        declared.forEach(spec -> byName.put(spec.name(), spec));
        this.declared = Map.copyOf(byName);
        this.executor = requireNonNull(executor, "executor");
        this.nanoTime = requireNonNull(nanoTime, "nanoTime");
        this.meters = meters;
        lastReportNanos = nanoTime.getAsLong();
    }

    /** Starts asking for leases now, and again whenever the registry says. */
    public void start() {
        schedule(0);
    }

    /**
     * The quota's bucket in this instance, made with the safe share if the quota is new (its lease follows in the
     * background); from the request path, so it never calls out.
     */
    LocalQuota quotaOf(QuotaSpec spec) {
        final LocalQuota quota = quotas.computeIfAbsent(spec.name(), name -> newQuota(spec));
        if (!quota.spec.equals(spec)) {
            // The operator changed the quota: the safe share of the new one until the next lease.
            quota.spec = spec;
            quota.bucket.rate(safeShare(spec), nanoTime.getAsLong());
        }
        return quota;
    }

    long nanoTime() {
        return nanoTime.getAsLong();
    }

    private LocalQuota newQuota(QuotaSpec spec) {
        final LocalQuota quota = new LocalQuota(
                spec,
                safeShare(spec),
                nanoTime.getAsLong(),
                refusalTotals.computeIfAbsent(spec.name(), name -> new LongAdder()));
        final @Nullable MeterRegistry meters = this.meters;
        if (meters != null && metered.add(spec.name())) {
            // Once per name, read by name: a quota removed and added again keeps its meters, and its refusals add up.
            final String name = spec.name();
            Gauge.builder("mesh.quota.share", this, keeper -> keeper.shareOf(name))
                    .description("requests per second this instance may accept under the mesh-wide quota")
                    .tag("service", service.value())
                    .tag("quota", name)
                    .register(meters);
            FunctionCounter.builder("mesh.quota.refusals", quota.refusedTotal, LongAdder::sum)
                    .description("requests this instance refused for the mesh-wide quota")
                    .tag("service", service.value())
                    .tag("quota", name)
                    .register(meters);
        }
        return quota;
    }

    private double safeShare(QuotaSpec spec) {
        return spec.perSecond() / Math.max(1, lastKnownInstances);
    }

    private void schedule(long delayMillis) {
        if (!closed) {
            next = executor.schedule(this::renew, delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void renew() {
        if (closed) {
            return;
        }
        final List<QuotaSpec> inForce = inForce(routes.get());
        // Quotas no longer in force are forgotten; new ones get their bucket before their first request.
        quotas.keySet().retainAll(inForce.stream().map(QuotaSpec::name).toList());
        if (inForce.isEmpty()) {
            schedule(IDLE_MILLIS);
            return;
        }
        final long now = nanoTime.getAsLong();
        final double seconds = Math.max(0.001, (now - lastReportNanos) / 1e9);
        lastReportNanos = now;
        final List<QuotaJson.Demand> demands = new ArrayList<>();
        for (QuotaSpec spec : inForce) {
            final LocalQuota quota = quotaOf(spec);
            // A declared quota says its size, which the registry divides unless its route config has the name.
            demands.add(new QuotaJson.Demand(
                    spec.name(),
                    quota.seen.sumThenReset() / seconds,
                    quota.refused.sumThenReset(),
                    declared.get(spec.name())));
        }
        final CompletableFuture<QuotaJson.LeaseAnswer> answer;
        try {
            answer = registry.quotaLeases(service, new QuotaJson.LeaseRequest(instance, demands, false));
        } catch (RuntimeException e) {
            failed(e);
            return;
        }
        answer.whenComplete((leases, cause) -> {
            if (cause != null) {
                failed(cause);
            } else {
                apply(leases);
            }
        });
    }

    /** The route config's quotas, then the declared ones it does not name (a quota it names replaces the declared). */
    private List<QuotaSpec> inForce(RouteConfig config) {
        if (declared.isEmpty()) {
            return config.quotas();
        }
        final List<QuotaSpec> inForce = new ArrayList<>(config.quotas());
        declared.forEach((name, spec) -> {
            if (config.quotas().stream().noneMatch(q -> q.name().equals(name))) {
                inForce.add(spec);
            }
        });
        return inForce;
    }

    /** Whether a {@code @Quota} of this server declares a quota of this name. */
    boolean isDeclared(String name) {
        return declared.containsKey(name);
    }

    private void apply(QuotaJson.LeaseAnswer answer) {
        final long now = nanoTime.getAsLong();
        int instances = Math.max(1, answer.instances());
        for (QuotaJson.Lease lease : answer.leases()) {
            instances = Math.max(instances, lease.holders());
            final @Nullable LocalQuota quota = quotas.get(lease.name());
            if (quota != null) {
                quota.bucket.rate(lease.perSecond(), now);
                quota.leaseExpiresAtNanos = now + TimeUnit.MILLISECONDS.toNanos(lease.ttlMillis());
                quota.source = LocalQuota.Source.LEASED;
                quota.holders = lease.holders();
            }
        }
        lastKnownInstances = instances;
        if (registryAway) {
            registryAway = false;
            logger.info("{}/{}: the registry answers again: quotas follow its leases", service, instance);
        }
        schedule(Math.max(100, answer.renewAfterMillis()));
    }

    /** The registry did not answer: keep each lease until it expires, then the safe share. Logged once. */
    private void failed(Throwable cause) {
        final long now = nanoTime.getAsLong();
        if (!registryAway) {
            registryAway = true;
            logger.warn(
                    "{}/{}: cannot renew quota leases ({}): keeping each lease until it expires, then the safe "
                            + "share (the quota / {} instances last known)",
                    service,
                    instance,
                    cause.toString(),
                    lastKnownInstances);
        }
        for (LocalQuota quota : quotas.values()) {
            if (quota.source != LocalQuota.Source.FALLBACK && now - quota.leaseExpiresAtNanos >= 0) {
                quota.bucket.rate(safeShare(quota.spec), now);
                quota.source = LocalQuota.Source.FALLBACK;
                logger.warn(
                        "{}/{}: the lease of quota '{}' expired unrenewed: enforcing the safe share of {} per second",
                        service,
                        instance,
                        quota.spec.name(),
                        quota.bucket.rate());
            }
        }
        schedule(RETRY_MILLIS);
    }

    /**
     * What health shows: null when every quota follows a lease (or there is none), else which do not and why.
     */
    public @Nullable String describe() {
        final List<String> fallback = new ArrayList<>();
        for (LocalQuota quota : quotas.values()) {
            if (quota.source == LocalQuota.Source.FALLBACK) {
                fallback.add(
                        quota.spec.name() + " (" + String.format(Locale.ROOT, "%.2f", quota.bucket.rate()) + "/s)");
            }
        }
        if (fallback.isEmpty()) {
            return registryAway ? "quota leases: the registry does not answer; the last leases still hold" : null;
        }
        return "quota leases: the registry does not answer; the safe share (quota / " + lastKnownInstances
                + " instances) is enforced for " + String.join(", ", fallback);
    }

    /** The share, source and holder count of each quota held here, for tests and the admin view. */
    public Map<String, String> shares() {
        final Map<String, String> shares = new TreeMap<>();
        quotas.forEach((name, quota) -> shares.put(
                name,
                String.format(
                        Locale.ROOT,
                        "%.3f/s %s",
                        quota.bucket.rate(),
                        quota.source.name().toLowerCase(Locale.ROOT))));
        return shares;
    }

    /** The share this instance enforces now for {@code quota}, in requests per second; 0 if it holds none. */
    public double shareOf(String quota) {
        final @Nullable LocalQuota local = quotas.get(quota);
        return local == null ? 0 : local.bucket.rate();
    }

    /** Whether the quota's share comes from an unexpired lease. */
    public boolean isLeased(String quota) {
        final @Nullable LocalQuota local = quotas.get(quota);
        return local != null && local.source == LocalQuota.Source.LEASED;
    }

    /** Whether the quota's share is the fallback after a lease expired unrenewed. */
    public boolean isFallback(String quota) {
        final @Nullable LocalQuota local = quotas.get(quota);
        return local != null && local.source == LocalQuota.Source.FALLBACK;
    }

    /**
     * Stops renewing and releases the leases, so that their shares go to the other instances at once; completes
     * when the registry has heard it, or after a second, never exceptionally.
     */
    public CompletableFuture<Void> close() {
        closed = true;
        final @Nullable ScheduledFuture<?> next = this.next;
        if (next != null) {
            next.cancel(false);
        }
        if (quotas.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        try {
            return registry.quotaLeases(service, new QuotaJson.LeaseRequest(instance, List.of(), true))
                    .orTimeout(1, TimeUnit.SECONDS)
                    .handle((unused, cause) -> {
                        if (cause != null) {
                            logger.debug(
                                    "{}/{}: could not release quota leases: {}", service, instance, cause.toString());
                        }
                        return null;
                    });
        } catch (RuntimeException e) {
            logger.debug("{}/{}: could not release quota leases", service, instance, e);
            return CompletableFuture.completedFuture(null);
        }
    }
}
