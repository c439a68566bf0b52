package io.mesh4j.core.routing;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * When an endpoint is ejected from the route's balancing: after {@code consecutiveFailures} failures in a row, or
 * a failure rate of {@code failureRatePercent}; for {@code ejectionTime}; never more than
 * {@code maxEjectedPercent} of the endpoints at once.
 */
public record OutlierSpec(
        int consecutiveFailures, double failureRatePercent, Duration ejectionTime, int maxEjectedPercent) {

    public OutlierSpec {
        requireNonNull(ejectionTime, "ejectionTime");
        if (consecutiveFailures < 1) {
            throw new IllegalArgumentException(
                    "outlier.consecutiveFailures: " + consecutiveFailures + " (expected: > 0)");
        }
        if (!(failureRatePercent > 0 && failureRatePercent <= 100)) {
            throw new IllegalArgumentException(
                    "outlier.failureRate: " + failureRatePercent + " (expected: 0 < x <= 100)");
        }
        if (ejectionTime.isNegative() || ejectionTime.isZero()) {
            throw new IllegalArgumentException(
                    "outlier.ejectionTime: " + ejectionTime.toMillis() + "ms (expected: > 0)");
        }
        if (maxEjectedPercent < 0 || maxEjectedPercent > 100) {
            throw new IllegalArgumentException(
                    "outlier.maxEjectedPercent: " + maxEjectedPercent + " (expected: 0..100)");
        }
    }
}
