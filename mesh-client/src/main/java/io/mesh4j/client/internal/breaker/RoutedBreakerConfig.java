package io.mesh4j.client.internal.breaker;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.atomic.AtomicReference;
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

    /** The config last given, with the sources it was made from; replaced whole, read without a lock. */
    private final AtomicReference<@Nullable Made> last = new AtomicReference<>();

    public RoutedBreakerConfig(Supplier<BreakerConfig> fromPolicy, LiveRoutes routes) {
        this.fromPolicy = requireNonNull(fromPolicy, "fromPolicy");
        this.routes = requireNonNull(routes, "routes");
    }

    /**
     * Asked on every attempt: one volatile read and two comparisons while neither source changed (it was a
     * synchronized method, a lock taken per attempt). Of two threads that see a change at once, the one that
     * records its config first gives it to both, so that the breakers start afresh once.
     */
    @Override
    public BreakerConfig get() {
        final RouteConfig currentRoutes = routes.current();
        final BreakerConfig policy = fromPolicy.get();
        @Nullable Made made = last.get();
        if (made != null && currentRoutes == made.routes() && policy == made.policy()) {
            return made.config();
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
        final Made mine = new Made(currentRoutes, policy, config);
        if (last.compareAndSet(made, mine)) {
            return config;
        }
        made = last.get();
        return made != null && currentRoutes == made.routes() && policy == made.policy() ? made.config() : config;
    }

    /** A config and what it was made from. */
    private record Made(RouteConfig routes, BreakerConfig policy, BreakerConfig config) {}
}
