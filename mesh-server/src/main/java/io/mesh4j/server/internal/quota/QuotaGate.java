package io.mesh4j.server.internal.quota;

import java.util.List;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.routing.QuotaSpec;
import io.mesh4j.core.routing.RouteConfig;

/**
 * The per-request half: every quota of the config that covers the request (its rule, its caller) must have a
 * token for it. Nothing here calls out or waits.
 */
public final class QuotaGate {

    /** A refusal: the quota that refused, and in how many seconds its bucket has a token again. */
    public record Refused(QuotaSpec quota, long retryAfterSeconds, double share) {}

    private final QuotaLeaseKeeper keeper;

    public QuotaGate(QuotaLeaseKeeper keeper) {
        this.keeper = keeper;
    }

    /**
     * Takes a token from each quota that covers the request; null when all had one, else the first that refused
     * (the tokens taken from the others are given back).
     *
     * @param config the service's route config in force
     * @param rule the name of the registry's rule the request matched, null if none
     * @param caller the verified calling service, null if outside the mesh
     */
    public @Nullable Refused check(RouteConfig config, @Nullable String rule, @Nullable String caller) {
        final List<QuotaSpec> quotas = config.quotas();
        if (quotas.isEmpty()) {
            return null;
        }
        final long now = keeper.nanoTime();
        for (int i = 0; i < quotas.size(); i++) {
            final QuotaSpec spec = quotas.get(i);
            if (!spec.covers(rule, caller)) {
                continue;
            }
            final LocalQuota quota = keeper.quotaOf(spec);
            if (!quota.tryAcquire(now)) {
                for (int j = 0; j < i; j++) {
                    final QuotaSpec taken = quotas.get(j);
                    if (taken.covers(rule, caller)) {
                        keeper.quotaOf(taken).bucket.giveBack();
                    }
                }
                return new Refused(spec, quota.bucket.secondsToNextToken(), quota.bucket.rate());
            }
        }
        return null;
    }
}
