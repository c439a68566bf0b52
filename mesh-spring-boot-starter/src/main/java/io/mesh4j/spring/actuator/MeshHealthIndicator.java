package io.mesh4j.spring.actuator;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/** The {@code mesh} health indicator of Spring Boot 4: {@link MeshHealth} in Boot 4's health API. */
final class MeshHealthIndicator extends AbstractHealthIndicator {

    private final MeshHealth health;

    MeshHealthIndicator(MeshView view) {
        super("mesh health check failed");
        this.health = new MeshHealth(view);
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        final MeshHealth.Reading reading = health.read();
        (reading.up() ? builder.up() : builder.down()).withDetails(reading.details());
    }
}
