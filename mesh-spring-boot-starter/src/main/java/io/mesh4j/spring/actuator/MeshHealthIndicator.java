package io.mesh4j.spring.actuator;

import java.util.Map;

import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * The {@code mesh} health: DOWN when the workload's certificate is missing or expired (no mTLS peer would accept
 * it), when the instance serves but is not registered (no caller can find it), or when the registry does not
 * answer (no change of endpoints, routes or certificates reaches the application); UP otherwise. The details
 * give the certificate's expiry, the registry's address and whether it answered, and the endpoints known per
 * called service.
 *
 * <p>Like every health indicator it counts in {@code /actuator/health}, but not in the liveness and readiness
 * groups unless they are configured to include it: calls keep flowing to the last-known endpoints while the
 * registry is away, so a registry outage must not restart or unload every application in the mesh.
 */
final class MeshHealthIndicator extends AbstractHealthIndicator {

    private final MeshView view;

    MeshHealthIndicator(MeshView view) {
        super("mesh health check failed");
        this.view = view;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        final Map<String, Object> server = view.server();
        final boolean registered = server == null || Boolean.TRUE.equals(server.get("registered"));
        final Map<String, Object> registry = view.registry();
        final boolean reachable = !Boolean.FALSE.equals(registry.get("reachable"));
        if (view.isCertificateValid() && registered && reachable) {
            builder.up();
        } else {
            builder.down();
        }
        builder.withDetail("identity", view.identity());
        builder.withDetail("registry", registry);
        if (server != null) {
            builder.withDetail("registered", registered);
        }
        builder.withDetail("endpoints", view.endpointCounts());
    }
}
