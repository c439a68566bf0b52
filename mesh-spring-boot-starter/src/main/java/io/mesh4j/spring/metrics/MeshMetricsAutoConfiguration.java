package io.mesh4j.spring.metrics;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.spring.autoconfigure.MeshAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Shows the mesh's metrics in the application's Micrometer registry when it has one (the actuator's, for
 * {@code /actuator/metrics} and {@code /actuator/prometheus}), with whatever common tags and filters the application
 * gives its registry ({@code management.metrics.tags.*}). The mesh keeps its own registry too, which its admin
 * endpoint serves. To keep the mesh's metrics out of the application's registry, exclude this auto-configuration
 * ({@code spring.autoconfigure.exclude}).
 *
 * <p>It runs after Spring Boot's metrics auto-configuration, named for both lines: Boot 4 moved it to
 * {@code org.springframework.boot.micrometer.metrics.autoconfigure}.
 */
@AutoConfiguration(
        after = MeshAutoConfiguration.class,
        afterName = {
            "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"
        })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({MeterRegistry.class, MeshTelemetry.class})
public class MeshMetricsAutoConfiguration {

    /**
     * The {@code MeterBinder} that Spring Boot binds to the application's registry, mirroring the mesh's meters
     * into it.
     *
     * @param telemetry the application's mesh telemetry, whose registry holds the mesh's meters
     * @return the binder, closed with the context
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public MeshMeterBinder meshMeterBinder(MeshTelemetry telemetry) {
        return new MeshMeterBinder(telemetry.meterRegistry());
    }
}
