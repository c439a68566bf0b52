package io.mesh4j.registry.internal.quota;

import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.routing.QuotaSpec;

/**
 * Where the holders of the quotas live, with their demand and the refusals they report: this registry's memory
 * ({@link LocalQuotaHolders}), or etcd, shared by every replica over it, so that a quota is divided among all its
 * holders whichever replica each one asks.
 */
public interface QuotaHolders {

    /**
     * One holder of one quota.
     *
     * @param instance the holding instance
     * @param demand its recent demand, in requests per second
     * @param expiresAtMillis when its lease ends unless renewed, by this registry's clock
     * @param declared the quota as the holder's {@code @Quota} declares it; {@code null} when it declares none
     */
    record Holder(
            InstanceId instance,
            double demand,
            long expiresAtMillis,
            @Nullable QuotaSpec declared) {}

    /**
     * One quota someone holds or was refused by.
     *
     * @param holders its live holders, ordered by instance
     * @param refusals how many requests its holders reported refusing, in all
     */
    record Held(ServiceName service, String quota, List<Holder> holders, long refusals) {}

    /**
     * Records the instance's demand (and the quota as it declares it, if it does) with a lease that ends at
     * {@code expiresAtMillis}, adds the refusals it reports, and returns every live holder of the quota, the instance included, ordered by instance.
     *
     * @throws io.mesh4j.registry.internal.store.StoreUnavailableException if a shared store cannot be reached
     */
    List<Holder> hold(
            ServiceName service,
            String quota,
            InstanceId instance,
            double demand,
            long refused,
            long expiresAtMillis,
            @Nullable QuotaSpec declared);

    /** Ends the instance's leases of every quota of the service at once. */
    void release(ServiceName service, InstanceId instance);

    /**
     * Forgets the service's quotas other than {@code quotas} that no live holder declares: its route config no
     * longer has them, and no instance's {@code @Quota} does.
     */
    void retain(ServiceName service, Set<String> quotas);

    /** Every quota with a live holder or a refusal, ordered by service and name. */
    List<Held> all();
}
