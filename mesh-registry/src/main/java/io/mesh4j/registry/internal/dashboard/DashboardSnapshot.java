package io.mesh4j.registry.internal.dashboard;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.authz.DefaultPolicy;
import io.mesh4j.core.discovery.Instance;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.PolicyJson;
import io.mesh4j.core.internal.registry.RouteJson;
import io.mesh4j.core.internal.registry.ServiceSummary;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.registry.internal.ca.Fingerprints;
import io.mesh4j.registry.internal.documents.DocumentStore;
import io.mesh4j.registry.internal.instances.InstanceTable;
import io.mesh4j.registry.internal.metrics.MetricsApi;
import io.mesh4j.registry.internal.metrics.ReportingMember;
import io.mesh4j.registry.internal.store.HeartbeatAge;

/**
 * What the dashboard draws at one moment, as one JSON object:
 *
 * <ul>
 *   <li>{@code services}: every service (registered, or named by a report) with its instance count and its row of
 *       {@code GET /v1/stats/services}, and {@code edges} as {@code GET /v1/stats/edges} gives them, over the last
 *       minute;
 *   <li>{@code instances}: each instance's id, zone, weight, labels and heartbeat age against its TTL;
 *   <li>{@code members}: the processes that report golden metrics, with their workload certificate's expiry (what
 *       the registry knows of certificates: members say it in their reports);
 *   <li>{@code routes}, {@code routeStats}: the route configs in force (header values redacted) and each service's
 *       per-route row;
 *   <li>{@code policies}, {@code meshDefault}: the access policies and the mesh-wide default;
 *   <li>{@code denials}: the caller → service → route triples a server refused over the last 15 minutes;
 *   <li>{@code roots}: the CA's roots members trust now, with their validity (none for a plaintext registry).
 * </ul>
 *
 * <p>It holds names, labels and numbers only: no address, key, token or header value. The viewer token reads it, so
 * it is what a person who may only watch the mesh may see.
 */
final class DashboardSnapshot {

    /** The window the dashboard's numbers are over, as {@code meshctl stat}'s default. */
    static final Duration WINDOW = Duration.ofMinutes(1);

    /**
     * The most instances of one service a snapshot lists: past it the page says how many it leaves out, so that a
     * service with thousands of instances does not make every snapshot megabytes long.
     */
    static final int MAX_INSTANCES_PER_SERVICE = 100;

    /** What a header match's value shows as: header values may carry credentials. */
    static final String REDACTED = "(redacted)";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Clock clock;
    private final InstanceTable table;
    private final MetricsApi metrics;
    private final DocumentStore<RouteConfig> routes;
    private final DocumentStore<AccessPolicy> policies;
    private final Supplier<DefaultPolicy> meshDefault;
    private final Supplier<List<X509Certificate>> roots;

    DashboardSnapshot(
            Clock clock,
            InstanceTable table,
            MetricsApi metrics,
            DocumentStore<RouteConfig> routes,
            DocumentStore<AccessPolicy> policies,
            Supplier<DefaultPolicy> meshDefault,
            Supplier<List<X509Certificate>> roots) {
        this.clock = requireNonNull(clock, "clock");
        this.table = requireNonNull(table, "table");
        this.metrics = requireNonNull(metrics, "metrics");
        this.routes = requireNonNull(routes, "routes");
        this.policies = requireNonNull(policies, "policies");
        this.meshDefault = requireNonNull(meshDefault, "meshDefault");
        this.roots = requireNonNull(roots, "roots");
    }

    /** The snapshot now, as the data of one event. */
    String json() {
        final Instant now = clock.instant();
        final ObjectNode root = MAPPER.createObjectNode();
        root.put("now", now.toString()).put("window", WINDOW.getSeconds() + "s");
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
        instances(root.putArray("instances"));
        members(root.putArray("members"));
        root.set("routeStats", metrics.routesTable(WINDOW, services.keySet()).path("rows"));
        routes(root.putArray("routes"));
        policies(root.putArray("policies"));
        root.put("meshDefault", meshDefault.get().value());
        root.put("denialsWindow", MetricsApi.span().getSeconds() + "s");
        root.set("denials", metrics.denialsTable(MetricsApi.span()).path("rows"));
        roots(root.putArray("roots"));
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Each live instance, up to {@link #MAX_INSTANCES_PER_SERVICE} of a service (its {@code instances} count says
     * how many there are): no host or port (the page needs none, and a viewer may not list addresses).
     */
    private void instances(ArrayNode array) {
        // Over etcd the ages live in etcd's leases (one call per instance): the page shows none there.
        final Map<String, HeartbeatAge> ages = new HashMap<>();
        final @Nullable List<HeartbeatAge> known = table.heartbeatAgesKnownHere();
        if (known != null) {
            for (HeartbeatAge age : known) {
                ages.put(age.service().value() + '/' + age.id().value(), age);
            }
        }
        for (ServiceSummary summary : table.services()) {
            final ServiceName service = summary.name();
            final List<Instance> all = table.snapshot(service).instances();
            for (Instance instance : all.subList(0, Math.min(all.size(), MAX_INSTANCES_PER_SERVICE))) {
                final ObjectNode node = array.addObject()
                        .put("service", service.value())
                        .put("id", instance.id().value())
                        .put("zone", instance.zone())
                        .put("weight", instance.weight());
                final ObjectNode labels = node.putObject("labels");
                instance.metadata().forEach(labels::put);
                final @Nullable HeartbeatAge age =
                        ages.get(service.value() + '/' + instance.id().value());
                if (age != null) {
                    node.put("heartbeatAgeSeconds", age.age().toMillis() / 1000.0)
                            .put("ttlSeconds", age.ttl().toSeconds());
                } else {
                    node.putNull("heartbeatAgeSeconds");
                }
            }
        }
    }

    /** The reporting members: a reporter is a random id per process, not an instance id, so these are listed apart. */
    private void members(ArrayNode array) {
        metrics.reportingMembers().stream()
                .sorted(Comparator.comparing(ReportingMember::service).thenComparing(ReportingMember::reporter))
                .forEach(member -> {
                    final ObjectNode node = array.addObject()
                            .put("service", member.service())
                            .put("reporter", member.reporter())
                            .put("lastReport", member.lastReport().toString());
                    final @Nullable Instant expires = member.certificateExpiresAt();
                    if (expires != null) {
                        node.put("certificateExpiresAt", expires.toString());
                    } else {
                        node.putNull("certificateExpiresAt");
                    }
                    MetricsApi.lastKnownGood(node, member);
                });
    }

    private void routes(ArrayNode array) {
        for (ServiceName service : routes.services()) {
            final DocumentStore.Versioned<RouteConfig> versioned = routes.get(service);
            final @Nullable RouteConfig config = versioned.document();
            if (config == null) {
                continue;
            }
            final JsonNode tree = tree(RouteJson.write(config));
            for (JsonNode rule : tree.path("rules")) {
                final JsonNode headers = rule.path("match").path("headers");
                if (headers instanceof ObjectNode named) {
                    named.fieldNames().forEachRemaining(name -> named.put(name, REDACTED));
                }
            }
            array.addObject()
                    .put("service", service.value())
                    .put("index", versioned.index())
                    .set("config", tree);
        }
    }

    private void policies(ArrayNode array) {
        for (ServiceName service : policies.services()) {
            final DocumentStore.Versioned<AccessPolicy> versioned = policies.get(service);
            final @Nullable AccessPolicy policy = versioned.document();
            if (policy == null) {
                continue;
            }
            array.addObject()
                    .put("service", service.value())
                    .put("index", versioned.index())
                    .set("policy", tree(PolicyJson.writePolicy(policy)));
        }
    }

    private void roots(ArrayNode array) {
        for (X509Certificate certificate : roots.get()) {
            array.addObject()
                    .put("subject", certificate.getSubjectX500Principal().getName())
                    .put("notBefore", certificate.getNotBefore().toInstant().toString())
                    .put("notAfter", certificate.getNotAfter().toInstant().toString())
                    .put("sha256", Fingerprints.sha256(certificate));
        }
    }

    private static JsonNode tree(byte[] json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("the registry's own JSON does not read back", e);
        }
    }
}
