package io.mesh4j.server.internal.quota;

import java.util.ArrayList;
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
     * (the tokens taken from the others are given back). A quota of the config whose name a {@code @Quota}
     * declares counts only the requests of the routes that declare it (the config resizes it, and may narrow it to
     * a rule or a caller).
     *
     * @param config the service's route config in force
     * @param declared the quota the served route's {@code @Quota} declares, null if none
     * @param rule the name of the registry's rule the request matched, null if none
     * @param caller the verified calling service, null if outside the mesh
     */
    public @Nullable Refused check(
            RouteConfig config, @Nullable QuotaSpec declared, @Nullable String rule, @Nullable String caller) {
        final List<QuotaSpec> quotas = config.quotas();
        if (quotas.isEmpty() && declared == null) {
            return null;
        }
        final long now = keeper.nanoTime();
        final List<QuotaSpec> taken = new ArrayList<>(2);
        @Nullable QuotaSpec fromDeclared = declared;
        for (QuotaSpec spec : quotas) {
            if (declared != null && spec.name().equals(declared.name())) {
                fromDeclared = spec; // the operator's size for the declared quota
                continue;
            }
            if (keeper.isDeclared(spec.name()) || !spec.covers(rule, caller)) {
                continue; // a declared quota counts on its own routes only
            }
            final @Nullable Refused refused = take(spec, now, taken);
            if (refused != null) {
                return refused;
            }
        }
        if (fromDeclared != null && fromDeclared.covers(rule, caller)) {
            return take(fromDeclared, now, taken);
        }
        return null;
    }

    private @Nullable Refused take(QuotaSpec spec, long now, List<QuotaSpec> taken) {
        final LocalQuota quota = keeper.quotaOf(spec);
        if (quota.tryAcquire(now)) {
            taken.add(spec);
            return null;
        }
        taken.forEach(earlier -> keeper.quotaOf(earlier).bucket.giveBack());
        return new Refused(spec, quota.bucket.secondsToNextToken(), quota.bucket.rate());
    }
}
