package io.mesh4j.core.internal.registry;

import static java.util.Objects.requireNonNullElse;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mesh4j.core.discovery.Instance;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;

/**
 * Reads and writes the registry's JSON bodies.
 *
 * <p>Requests are read strictly (an unknown field, a string where a number belongs, a duplicated key, a
 * truncated body: each is an {@link InvalidInputException} naming the field and what to write instead), because
 * a misspelt {@code ttlSecond} silently ignored would be worse than a refusal. Answers are read leniently
 * (unknown fields are skipped), so that a newer registry can add fields without breaking older workloads.
 */
public final class RegistryJson {

    private static final Set<String> REGISTRATION_FIELDS =
            Set.of("host", "port", "zone", "weight", "metadata", "ttlSeconds");

    // ---- registration: PUT /v1/services/{service}/instances/{id}

    /**
     * Reads a registration body strictly; see the class comment.
     *
     * @throws InvalidInputException saying what to change
     */
    public static Registration parseRegistration(byte[] body) {
        final ObjectNode root = StrictJson.readObject(
                body, "a registration such as " + "{\"host\": \"10.0.0.7\", \"port\": 8080, \"ttlSeconds\": 15}");
        final StrictJson.Fields fields = new StrictJson.Fields(root, REGISTRATION_FIELDS);
        final String host = fields.requiredString("host");
        final int port = fields.requiredInt("port");
        final String zone = fields.optionalString("zone", "");
        final int weight = fields.optionalInt("weight", Registration.DEFAULT_WEIGHT);
        final Map<String, String> metadata = fields.optionalStringMap("metadata");
        final long ttlSeconds = fields.optionalLong("ttlSeconds", Registration.DEFAULT_TTL.toSeconds());
        if (ttlSeconds < 1 || ttlSeconds > Registration.MAX_TTL.toSeconds()) {
            throw new InvalidInputException(
                    ErrorCode.INVALID_FIELD,
                    "ttlSeconds: " + ttlSeconds + " (expected: 1.."
                            + Registration.MAX_TTL.toSeconds() + "; the default is "
                            + Registration.DEFAULT_TTL.toSeconds() + ')');
        }
        try {
            return new Registration(host, port, zone, weight, metadata, Duration.ofSeconds(ttlSeconds));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(ErrorCode.INVALID_FIELD, requireNonNullElse(e.getMessage(), e.toString()));
        }
    }

    public static byte[] writeRegistration(Registration registration) {
        final ObjectNode root = JsonTrees.NODES.objectNode();
        root.put("host", registration.host());
        root.put("port", registration.port());
        root.put("zone", registration.zone());
        root.put("weight", registration.weight());
        final ObjectNode metadata = root.putObject("metadata");
        registration.metadata().forEach(metadata::put);
        root.put("ttlSeconds", registration.ttl().toSeconds());
        return write(root);
    }

    // ---- instances: the watch answer

    public static byte[] writeSnapshot(InstancesSnapshot snapshot) {
        final ObjectNode root = JsonTrees.NODES.objectNode();
        root.put("index", snapshot.index());
        final ArrayNode instances = root.putArray("instances");
        for (Instance instance : snapshot.instances()) {
            writeInstance(instances.addObject(), instance);
        }
        return write(root);
    }

    /**
     * Reads a watch answer leniently; see the class comment.
     *
     * @throws IllegalArgumentException if the answer is not a watch answer
     */
    public static InstancesSnapshot parseSnapshot(byte[] body) {
        final JsonNode root = readAnswer(body);
        final List<Instance> instances = new ArrayList<>();
        for (JsonNode node : root.path("instances")) {
            instances.add(readInstance(node));
        }
        return new InstancesSnapshot(root.path("index").asLong(), instances);
    }

    // ---- instances: the incremental watch answer (changes=true)

    /**
     * Writes an incremental watch answer: {@code {"index": M, "since": N, "upserted": [...], "removed": [ids]}}, or
     * for a full one {@code {"index": M, "full": true, "instances": [...]}}.
     */
    public static byte[] writeChanges(InstancesChanges changes) {
        final ObjectNode root = JsonTrees.NODES.objectNode();
        root.put("index", changes.index());
        if (changes.full()) {
            root.put("full", true);
            final ArrayNode instances = root.putArray("instances");
            changes.upserted().forEach(instance -> writeInstance(instances.addObject(), instance));
            return write(root);
        }
        root.put("since", changes.since());
        final ArrayNode upserted = root.putArray("upserted");
        changes.upserted().forEach(instance -> writeInstance(upserted.addObject(), instance));
        final ArrayNode removed = root.putArray("removed");
        changes.removed().forEach(id -> removed.add(id.value()));
        return write(root);
    }

    /**
     * Reads an incremental watch answer leniently; see the class comment.
     *
     * @throws IllegalArgumentException if the answer is not one
     */
    public static InstancesChanges parseChanges(byte[] body) {
        return readChanges(readAnswer(body));
    }

    /** An incremental answer, or a change event of a watch stream, already read as a tree. */
    static InstancesChanges readChanges(JsonNode root) {
        final long index = root.path("index").asLong();
        if (root.path("full").asBoolean(false)) {
            final List<Instance> instances = new ArrayList<>();
            root.path("instances").forEach(node -> instances.add(readInstance(node)));
            return new InstancesChanges(index, -1, true, instances, List.of());
        }
        if (!root.path("since").isNumber()) {
            throw new IllegalArgumentException("the registry answered an incremental watch without since or full");
        }
        final List<Instance> upserted = new ArrayList<>();
        root.path("upserted").forEach(node -> upserted.add(readInstance(node)));
        final List<InstanceId> removed = new ArrayList<>();
        root.path("removed").forEach(node -> removed.add(InstanceId.of(node.asText())));
        return new InstancesChanges(index, root.path("since").asLong(), false, upserted, removed);
    }

    static void writeInstance(ObjectNode node, Instance instance) {
        node.put("id", instance.id().value());
        node.put("host", instance.host());
        node.put("port", instance.port());
        node.put("zone", instance.zone());
        node.put("weight", instance.weight());
        final ObjectNode metadata = node.putObject("metadata");
        instance.metadata().forEach(metadata::put);
    }

    static Instance readInstance(JsonNode node) {
        final Map<String, String> metadata = new LinkedHashMap<>();
        node.path("metadata")
                .properties()
                .forEach(e -> metadata.put(e.getKey(), e.getValue().asText()));
        return new Instance(
                InstanceId.of(node.path("id").asText()), node.path("host").asText(),
                node.path("port").asInt(), node.path("zone").asText(""),
                node.path("weight").asInt(Registration.DEFAULT_WEIGHT), metadata);
    }

    // ---- the rest of the contract

    public static byte[] writeIndex(long index) {
        return write(JsonTrees.NODES.objectNode().put("index", index));
    }

    public static long parseIndex(byte[] body) {
        return readAnswer(body).path("index").asLong();
    }

    /** Reads {@code {"index": N, "warnings": [...]}}, the answer to an accepted document. */
    public static RegistryClient.Accepted parseAccepted(byte[] body) {
        final JsonNode root = readAnswer(body);
        final List<String> warnings = new ArrayList<>();
        root.path("warnings").forEach(warning -> warnings.add(warning.asText()));
        return new RegistryClient.Accepted(root.path("index").asLong(), warnings);
    }

    public static byte[] writeServices(List<ServiceSummary> services) {
        final ObjectNode root = JsonTrees.NODES.objectNode();
        final ArrayNode array = root.putArray("services");
        for (ServiceSummary service : services) {
            array.addObject()
                    .put("name", service.name().value())
                    .put("instances", service.instances())
                    .put("index", service.index());
        }
        return write(root);
    }

    public static List<ServiceSummary> parseServices(byte[] body) {
        final List<ServiceSummary> services = new ArrayList<>();
        for (JsonNode node : readAnswer(body).path("services")) {
            services.add(new ServiceSummary(
                    ServiceName.of(node.path("name").asText()),
                    node.path("instances").asInt(),
                    node.path("index").asLong()));
        }
        return services;
    }

    public static byte[] writeError(ErrorBody error) {
        return write(JsonTrees.NODES.objectNode().put("error", error.error()).put("message", error.message()));
    }

    /**
     * Reads an error body, or makes one from the status when the body is not one (a proxy's HTML page, say).
     */
    public static ErrorBody parseError(int status, byte[] body) {
        try {
            final JsonNode root = JsonTrees.read(body);
            if (root != null && root.path("error").isTextual()) {
                return new ErrorBody(
                        root.path("error").asText(), root.path("message").asText(""));
            }
        } catch (IOException ignored) {
            // Not ours: fall through to a body made from the status.
        }
        return new ErrorBody("http_" + status, new String(body, java.nio.charset.StandardCharsets.UTF_8));
    }

    // ---- helpers

    static byte[] write(JsonNode node) {
        return JsonTrees.write(node);
    }

    static JsonNode readAnswer(byte[] body) {
        try {
            final JsonNode root = JsonTrees.read(body);
            if (root == null || !root.isObject()) {
                throw new IllegalArgumentException("the registry answered something other than a JSON object");
            }
            return root;
        } catch (IOException e) {
            throw new IllegalArgumentException("the registry answered invalid JSON: " + e.getMessage(), e);
        }
    }

    private RegistryJson() {}
}
