package io.mesh4j.client.internal.breaker;

import static java.util.Objects.requireNonNull;

import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import io.mesh4j.client.breaker.BreakerConfig;
import io.mesh4j.core.internal.policy.PolicyRegistry.LiveRoutes;
import io.mesh4j.core.routing.OutlierSpec;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteRule;

/**
 * A service's breaker thresholds: the outlier thresholds of the first rule of its live route config that sets
 * them (outlier ejection is per service, as Istio's {@code outlierDetection} is per destination), over the
 * client's policy. The same config object is given until either source changes, so that the breakers start
 * afresh only when the thresholds do.
 */
public final class RoutedBreakerConfig implements Supplier<BreakerConfig> {

    private final Supplier<BreakerConfig> fromPolicy;
    private final LiveRoutes routes;

    private @Nullable RouteConfig lastRoutes;
    private @Nullable BreakerConfig lastPolicy;
    private @Nullable BreakerConfig last;

    public RoutedBreakerConfig(Supplier<BreakerConfig> fromPolicy, LiveRoutes routes) {
        this.fromPolicy = requireNonNull(fromPolicy, "fromPolicy");
        this.routes = requireNonNull(routes, "routes");
    }

    @Override
    public synchronized BreakerConfig get() {
        final RouteConfig currentRoutes = routes.current();
        final BreakerConfig policy = fromPolicy.get();
        if (last != null && currentRoutes == lastRoutes && policy == lastPolicy) {
            return last;
        }
        BreakerConfig config = policy;
        for (RouteRule rule : currentRoutes.rules()) {
            final @Nullable OutlierSpec outlier = rule.outlier();
            if (outlier != null) {
                config = policy.toBuilder()
                        .consecutiveFailures(outlier.consecutiveFailures())
                        .failureRateThreshold((float) outlier.failureRatePercent())
                        .openDuration(outlier.ejectionTime())
                        .maxEjectedPercent(outlier.maxEjectedPercent())
                        .build();
                break;
            }
        }
        lastRoutes = currentRoutes;
        lastPolicy = policy;
        last = config;
        return config;
    }
}
