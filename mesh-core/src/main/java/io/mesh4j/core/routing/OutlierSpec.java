package io.mesh4j.core.routing;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * When an endpoint is ejected from the route's balancing: after {@code consecutiveFailures} failures in a row, or
 * a failure rate of {@code failureRatePercent}; for {@code ejectionTime}; never more than
 * {@code maxEjectedPercent} of the endpoints at once.
 *
 * <p>Ejection is per called service, not per route: a mesh client sets its breakers from the first rule of the
 * service's route config that has an {@code OutlierSpec}, over its own {@code BreakerConfig}.
 *
 * @param consecutiveFailures failed attempts in a row that open an endpoint's breaker, {@code > 0}
 * @param failureRatePercent the failure rate, in percent, that opens it, above 0 and at most 100
 * @param ejectionTime how long an ejected endpoint stays out before trial calls, {@code > 0}
 * @param maxEjectedPercent the largest share of the service's endpoints ejected at once, 0 to 100
 */
public record OutlierSpec(
        int consecutiveFailures, double failureRatePercent, Duration ejectionTime, int maxEjectedPercent) {

    /**
     * Checks the components.
     *
     * @param consecutiveFailures see {@link #consecutiveFailures()}
     * @param failureRatePercent see {@link #failureRatePercent()}
     * @param ejectionTime see {@link #ejectionTime()}
     * @param maxEjectedPercent see {@link #maxEjectedPercent()}
     * @throws NullPointerException if {@code ejectionTime} is {@code null}
     * @throws IllegalArgumentException if a value is out of its range
     */
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
