package io.mesh4j.spring.actuator;

import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/** The {@code mesh} health indicator of Spring Boot 3.5: {@link MeshHealth} in Boot 3.5's health API. */
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
