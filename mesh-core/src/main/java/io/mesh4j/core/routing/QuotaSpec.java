package io.mesh4j.core.routing;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.discovery.ServiceName;

/**
 * A mesh-wide quota: at most {@code requests} per {@code per} to the service, across all of its instances
 * together, for the requests of one rule of its route config (or every request) and of one calling service (or
 * every caller). Each instance enforces a share of it that it leases from the registry; unlike a
 * {@link RateLimitSpec}, the limit does not grow with the instance count.
 *
 * <pre>{@code
 * new QuotaSpec("frontend-charge", "charge", ServiceName.of("frontend"), 1000, Duration.ofMinutes(1))
 * }</pre>
 *
 * @param name the quota's name, a DNS-1123 label unique in its route config; leases, metrics and
 *     {@code meshctl quotas} name the quota by it
 * @param rule the name of the rule of the same route config whose requests count; {@code null} for every
 *     request of the service
 * @param caller the calling service whose requests count; {@code null} for every caller
 * @param requests how many requests per {@code per}, {@code > 0} and at most 1,000,000,000
 * @param per the period, at least one second and at most one day, in whole seconds
 */
public record QuotaSpec(
        String name, @Nullable String rule, @Nullable ServiceName caller, long requests, Duration per) {

    /** The most requests per second a quota may allow: more than that is surely a typo. */
    public static final double MAX_PER_SECOND = 1_000_000;

    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    /**
     * Checks the components.
     *
     * @param name see {@link #name()}
     * @param rule see {@link #rule()}
     * @param caller see {@link #caller()}
     * @param requests see {@link #requests()}
     * @param per see {@link #per()}
     * @throws IllegalArgumentException naming the field that is out of its range
     */
    public QuotaSpec {
        requireNonNull(name, "name");
        requireNonNull(per, "per");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "name: '" + name + "' (expected: a DNS-1123 label, such as frontend-charge)");
        }
        if (requests < 1 || requests > 1_000_000_000L) {
            throw new IllegalArgumentException("requests: " + requests + " (expected: > 0, at most 1000000000)");
        }
        if (per.compareTo(Duration.ofSeconds(1)) < 0
                || per.compareTo(Duration.ofDays(1)) > 0
                || per.toMillis() % 1000 != 0) {
            throw new IllegalArgumentException(
                    "per: " + per.toMillis() + "ms (expected: whole seconds, at least 1s, at most 1 day)");
        }
        if (requests / (double) per.toSeconds() > MAX_PER_SECOND) {
            throw new IllegalArgumentException("requests: " + requests + " per " + per.toSeconds() + "s is more than "
                    + (long) MAX_PER_SECOND + " per second (expected: at most that)");
        }
    }

    /**
     * Returns the quota as a rate.
     *
     * @return requests per second across the whole service
     */
    public double perSecond() {
        return requests / (double) per.toSeconds();
    }

    /**
     * Returns whether a request that followed {@code ruleName} from {@code callerService} counts against this quota.
     *
     * @param ruleName the name of the registry's rule the request matched; {@code null} when none did
     * @param callerService the verified calling service; {@code null} for a caller outside the mesh
     * @return {@code true} if it counts
     */
    public boolean covers(@Nullable String ruleName, @Nullable String callerService) {
        return (rule == null || rule.equals(ruleName))
                && (caller == null || caller.value().equals(callerService));
    }
}
