package io.mesh4j.spring.actuator;

import java.util.Map;

import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * The {@code mesh} health: DOWN when the workload's certificate is missing or expired (no mTLS peer would accept
 * it), or when the instance serves but is not registered (no caller can find it); UP otherwise. The details
 * give the certificate's expiry, and the endpoints known per called service.
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
        if (view.isCertificateValid() && registered) {
            builder.up();
        } else {
            builder.down();
        }
        builder.withDetail("identity", view.identity());
        if (server != null) {
            builder.withDetail("registered", registered);
        }
        builder.withDetail("endpoints", view.endpointCounts());
    }
}
