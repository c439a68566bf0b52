package io.mesh4j.registry.internal.dashboard;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mesh4j.core.internal.registry.ServiceSummary;
import io.mesh4j.registry.internal.instances.InstanceTable;
import io.mesh4j.registry.internal.metrics.MetricsApi;

/**
 * What the dashboard draws at one moment, as one JSON object: every service (registered, or named by a report) with
 * its instance count and its row of {@code GET /v1/stats/services}, and every edge as {@code GET /v1/stats/edges}
 * gives it, over the last minute. It holds names and numbers only: no address, key, token or header.
 */
final class DashboardSnapshot {

    /** The window the dashboard's numbers are over, as {@code meshctl stat}'s default. */
    static final Duration WINDOW = Duration.ofMinutes(1);

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Clock clock;
    private final InstanceTable table;
    private final MetricsApi metrics;

    DashboardSnapshot(Clock clock, InstanceTable table, MetricsApi metrics) {
        this.clock = requireNonNull(clock, "clock");
        this.table = requireNonNull(table, "table");
        this.metrics = requireNonNull(metrics, "metrics");
    }

    /** The snapshot now, as the data of one event. */
    String json() {
        final ObjectNode root = MAPPER.createObjectNode();
        root.put("now", clock.instant().toString()).put("window", WINDOW.getSeconds() + "s");
        // Services by name: those with instances, then those only reports name (a caller outside the registry, or
        // one whose instances are gone), so that every end of an edge is a node.
        final Map<String, ObjectNode> services = new TreeMap<>();
        for (ServiceSummary summary : table.services()) {
            services.put(
                    summary.name().value(),
                    MAPPER.createObjectNode()
                            .put("name", summary.name().value())
                            .put("instances", summary.instances()));
        }
        for (String name : metrics.reportedServices()) {
            services.computeIfAbsent(
                    name, n -> MAPPER.createObjectNode().put("name", n).put("instances", 0));
        }
        for (JsonNode row : metrics.servicesTable(WINDOW).path("rows")) {
            final ObjectNode service = services.get(row.path("service").asText());
            if (service != null) {
                service.set("stats", row);
            }
        }
        final ArrayNode array = root.putArray("services");
        services.values().forEach(array::add);
        root.set("edges", metrics.edgesTable(WINDOW).path("rows"));
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
