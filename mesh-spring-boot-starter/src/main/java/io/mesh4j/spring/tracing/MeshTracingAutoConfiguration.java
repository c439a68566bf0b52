package io.mesh4j.spring.tracing;

import java.net.URI;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.core.telemetry.Propagation;
import io.mesh4j.core.telemetry.TelemetryConfig;
import io.mesh4j.spring.autoconfigure.MeshAutoConfiguration;
import io.mesh4j.spring.autoconfigure.MeshSettings;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * Puts the mesh's spans in the application's traces when the application traces with Micrometer Tracing over
 * OpenTelemetry (Spring Boot's {@code spring-boot-starter-opentelemetry} on Boot 4, {@code micrometer-tracing-bridge-otel}
 * with the actuator on Boot 3.5): the mesh makes its spans with the application's {@link OpenTelemetry} bean.
 *
 * <p>Both already share OpenTelemetry's current context, which is per thread and process-wide; what this adds is one
 * tracer provider. So the mesh's client span of a call made while Spring MVC serves a request is a child of
 * Spring's server span, a span the application opens while the mesh serves a {@code @MeshService} request (an
 * {@code @Observed} method, an {@code Observation}) is a child of the mesh's server span, and every one of them goes
 * out through the application's exporters, under its {@code service.name} and its sampler
 * ({@code management.tracing.sampling.probability}). {@code mesh.telemetry.zipkin-endpoint} and
 * {@code otlp-endpoint} still work: they become exporters of the application's tracer provider, and so carry the
 * application's spans too. {@code mesh.telemetry.sampling-ratio} is not used.
 *
 * <p>It runs after Spring Boot's OpenTelemetry auto-configurations, named for both lines, and before the mesh's, whose
 * own {@link MeshTelemetry} then gives way. Exclude it ({@code spring.autoconfigure.exclude}) to keep the mesh's
 * traces apart.
 */
@AutoConfiguration(
        before = MeshAutoConfiguration.class,
        afterName = {
            "org.springframework.boot.opentelemetry.autoconfigure.OpenTelemetrySdkAutoConfiguration",
            "org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.OpenTelemetryTracingAutoConfiguration",
            "org.springframework.boot.actuate.autoconfigure.opentelemetry.OpenTelemetryAutoConfiguration",
            "org.springframework.boot.actuate.autoconfigure.tracing.OpenTelemetryTracingAutoConfiguration"
        })
@ConditionalOnProperty(prefix = "mesh", name = "enabled", havingValue = "true", matchIfMissing = true)
@ConditionalOnClass(name = MeshTracingAutoConfiguration.OTEL_BRIDGE)
@ConditionalOnBean(value = OpenTelemetry.class, type = MeshTracingAutoConfiguration.MICROMETER_TRACER)
public class MeshTracingAutoConfiguration {

    /** Micrometer Tracing's OpenTelemetry bridge: with it, Spring's spans are OpenTelemetry's. */
    static final String OTEL_BRIDGE = "io.micrometer.tracing.otel.bridge.OtelTracer";

    /** The tracer Spring Boot makes when tracing is on ({@code management.tracing.enabled}). */
    static final String MICROMETER_TRACER = "io.micrometer.tracing.Tracer";

    private static final Logger logger = LoggerFactory.getLogger(MeshTracingAutoConfiguration.class);

    /**
     * The application's telemetry, tracing with the application's OpenTelemetry: the mesh's headers, metrics and
     * reports as {@code mesh.telemetry.*} says, its spans made and exported by the application's tracer provider.
     *
     * @param settings the checked settings
     * @param openTelemetry the application's OpenTelemetry
     * @return a new telemetry, closed with the context (which leaves the application's OpenTelemetry to its owner)
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public MeshTelemetry meshTelemetry(MeshSettings settings, OpenTelemetry openTelemetry) {
        final TelemetryConfig checked = settings.telemetry();
        if (checked.samplingRatio() != 1.0) {
            logger.warn(
                    "mesh.telemetry.sampling-ratio={} is not used: the mesh traces with the application's "
                            + "OpenTelemetry, whose sampler decides (management.tracing.sampling.probability)",
                    checked.samplingRatio());
        }
        // The checked configuration less what the application's tracer provider now does: export and sample.
        final TelemetryConfig config = TelemetryConfig.builder()
                .serviceName(checked.serviceName())
                .inject(checked.inject().toArray(new Propagation[0]))
                .extract(checked.extract().toArray(new Propagation[0]))
                .maxLabelValues(checked.maxLabelValues())
                .reportInterval(checked.reportInterval())
                .build();
        logger.debug("the mesh's spans join the application's traces, through its OpenTelemetry {}", openTelemetry);
        return MeshTelemetry.of(config, openTelemetry);
    }

    /**
     * {@code mesh.telemetry.zipkin-endpoint} as an exporter of the application's tracer provider, which Spring Boot
     * adds to it beside its own.
     *
     * @param settings the checked settings
     * @return the exporter
     */
    @Bean
    @ConditionalOnProperty(prefix = "mesh.telemetry", name = "zipkin-endpoint")
    public SpanExporter meshZipkinSpanExporter(MeshSettings settings) {
        return MeshTelemetry.zipkinExporter(endpoint(settings.telemetry().zipkinEndpoint()));
    }

    /**
     * {@code mesh.telemetry.otlp-endpoint} as an exporter of the application's tracer provider, which Spring Boot
     * adds to it beside its own.
     *
     * @param settings the checked settings
     * @return the exporter
     */
    @Bean
    @ConditionalOnProperty(prefix = "mesh.telemetry", name = "otlp-endpoint")
    public SpanExporter meshOtlpSpanExporter(MeshSettings settings) {
        return OtlpHttpSpanExporter.builder()
                .setEndpoint(endpoint(settings.telemetry().otlpEndpoint()).toString())
                .build();
    }

    private static URI endpoint(@Nullable URI checked) {
        if (checked == null) {
            // The property is set (the bean's condition), so the settings checked and kept it.
            throw new IllegalStateException("mesh.telemetry endpoint set but not kept by the settings");
        }
        return checked;
    }
}
