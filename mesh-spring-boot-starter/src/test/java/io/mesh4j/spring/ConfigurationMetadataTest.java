package io.mesh4j.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The metadata that {@code spring-boot-configuration-processor} generates, which IDEs complete {@code mesh.*}
 * properties from: every property has a description. (Groups, such as {@code mesh.client}, have none, as
 * Spring Boot's own have none: the processor does not take one from a nested field.)
 */
class ConfigurationMetadataTest {

    @Test
    void everyMeshPropertyHasADescription() throws Exception {
        final JsonNode metadata;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("generated metadata").isNotNull();
            metadata = new ObjectMapper().readTree(in);
        }
        final List<String> names = new ArrayList<>();
        final List<String> undescribed = new ArrayList<>();
        for (JsonNode property : metadata.path("properties")) {
            final String name = property.path("name").asText();
            if (name.startsWith("mesh.") || name.startsWith("management.health.mesh.")) {
                names.add(name);
                if (property.path("description").asText().isBlank()) {
                    undescribed.add(name);
                }
            }
        }
        assertThat(names)
                .contains(
                        "mesh.registry",
                        "mesh.join-token-file",
                        "mesh.service-account-token-file",
                        "mesh.trust-bundle-file",
                        "mesh.admin-port",
                        "mesh.admin-address",
                        "mesh.telemetry.zipkin-endpoint",
                        "mesh.telemetry.otlp-endpoint",
                        "mesh.telemetry.sampling-ratio",
                        "mesh.telemetry.report-interval",
                        "mesh.client.timeout",
                        "mesh.client.websocket-ping-interval",
                        "mesh.services");
        assertThat(undescribed).isEmpty();
        assertThat(names).contains("management.health.mesh.enabled");

        final List<String> balancers = new ArrayList<>();
        for (JsonNode hint : metadata.path("hints")) {
            if (hint.path("name").asText().equals("mesh.client.balancer")) {
                hint.path("values")
                        .forEach(value -> balancers.add(value.path("value").asText()));
            }
        }
        assertThat(balancers).containsExactly("p2c", "round-robin", "weighted-round-robin");
    }
}
