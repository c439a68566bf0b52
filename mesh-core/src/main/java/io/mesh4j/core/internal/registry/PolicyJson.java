package io.mesh4j.core.internal.registry;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpMethod;

import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.authz.AccessRule;
import io.mesh4j.core.authz.DefaultPolicy;
import io.mesh4j.core.discovery.ServiceName;

/**
 * The body of {@code /v1/policies/{service}}: {@code {"default": "deny", "rules": [{"routes": ["/orders/{id}"],
 * "methods": ["GET"], "allowCallers": ["frontend"]}]}}, either field optional but not both, and of
 * {@code /v1/default-policy}: {@code {"default": "deny"}}; read strictly like every request body.
 */
public final class PolicyJson {

    private static final Set<String> POLICY_FIELDS = Set.of("rules", "default");
    private static final Set<String> DEFAULT_FIELDS = Set.of("default");
    private static final Set<String> RULE_FIELDS = Set.of("routes", "methods", "allowCallers");
    private static final String EXAMPLE = "{\"rules\": [{\"routes\": [\"/orders/{id}\"], \"methods\": [\"GET\"], "
            + "\"allowCallers\": [\"frontend\"]}]}";

    /**
     * A service's policy as the registry has it: the index of its last change (or of the mesh-wide default's, if
     * later), the policy, or null when the service has none (its annotations apply), and the mesh-wide default, or
     * null from a registry that does not say it (one older than defaults, whose mesh allows).
     */
    public record PolicySnapshot(
            long index,
            @Nullable AccessPolicy policy,
            @Nullable DefaultPolicy meshDefault) {

        /** A snapshot that does not say the mesh-wide default, as a policy's own file holds it. */
        public PolicySnapshot(long index, @Nullable AccessPolicy policy) {
            this(index, policy, null);
        }
    }

    /** The mesh-wide default policy as the registry has it, with the index of its last change (0: never set). */
    public record DefaultSnapshot(long index, DefaultPolicy defaultPolicy) {}

    public static AccessPolicy parsePolicy(byte[] body) {
        final ObjectNode root = StrictJson.readObject(body, EXAMPLE);
        new StrictJson.Fields(root, POLICY_FIELDS);
        final @Nullable DefaultPolicy defaultPolicy = root.has("default") ? parseDefaultField(root) : null;
        final JsonNode rules = root.get("rules");
        if (rules == null && defaultPolicy != null) {
            return new AccessPolicy(List.of(), defaultPolicy);
        }
        if (rules == null || !rules.isArray()) {
            throw new InvalidInputException(
                    ErrorCode.INVALID_FIELD,
                    "rules: " + (rules == null ? "missing" : "not an array") + " (expected: a list of rules, such as "
                            + EXAMPLE + ", or a default alone, such as {\"default\": \"deny\"})");
        }
        final List<AccessRule> parsed = new ArrayList<>();
        int i = 0;
        for (JsonNode rule : rules) {
            parsed.add(parseRule(rule, "rules[" + i++ + ']'));
        }
        return new AccessPolicy(parsed, defaultPolicy);
    }

    /** Reads the body of a {@code PUT /v1/default-policy}: {@code {"default": "deny"}}. */
    public static DefaultPolicy parseDefault(byte[] body) {
        final ObjectNode root = StrictJson.readObject(body, "{\"default\": \"deny\"}");
        new StrictJson.Fields(root, DEFAULT_FIELDS);
        if (!root.has("default")) {
            throw new InvalidInputException(
                    ErrorCode.INVALID_FIELD, "default: missing (expected: \"allow\" or \"deny\")");
        }
        return parseDefaultField(root);
    }

    private static DefaultPolicy parseDefaultField(JsonNode root) {
        final JsonNode value = root.get("default");
        if (value == null || !value.isTextual()) {
            throw new InvalidInputException(
                    ErrorCode.INVALID_FIELD,
                    "default: " + value + " is not a string (expected: \"allow\" or \"deny\")");
        }
        try {
            return DefaultPolicy.of(value.textValue());
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(ErrorCode.INVALID_FIELD, "default: " + e.getMessage());
        }
    }

    /** The answer to a read of the mesh-wide default: {@code {"index": N, "default": "deny"}}. */
    public static byte[] writeDefault(DefaultSnapshot snapshot) {
        return RegistryJson.write(JsonTrees.NODES
                .objectNode()
                .put("index", snapshot.index())
                .put("default", snapshot.defaultPolicy().value()));
    }

    public static DefaultSnapshot parseDefaultSnapshot(byte[] body) {
        final JsonNode root = RegistryJson.readAnswer(body);
        return new DefaultSnapshot(
                root.path("index").asLong(),
                DefaultPolicy.of(root.path("default").asText("allow")));
    }

    private static AccessRule parseRule(JsonNode node, String where) {
        if (!node.isObject()) {
            throw new InvalidInputException(
                    ErrorCode.INVALID_FIELD,
                    where + ": not an object (expected: " + "{\"allowCallers\": [\"frontend\"]})");
        }
        new StrictJson.Fields((ObjectNode) node, RULE_FIELDS);
        final Set<String> routes = strings(node, "routes", where);
        final Set<HttpMethod> methods = new LinkedHashSet<>();
        for (String method : strings(node, "methods", where)) {
            final HttpMethod parsed = HttpMethod.tryParse(method);
            if (parsed == null || parsed == HttpMethod.UNKNOWN) {
                throw new InvalidInputException(
                        ErrorCode.INVALID_FIELD, where + ".methods: '" + method + "' (expected: GET, POST, PUT, ...)");
            }
            methods.add(parsed);
        }
        final Set<ServiceName> callers = new LinkedHashSet<>();
        for (String caller : strings(node, "allowCallers", where)) {
            try {
                callers.add(ServiceName.of(caller));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(ErrorCode.INVALID_FIELD, where + ".allowCallers: " + e.getMessage());
            }
        }
        try {
            return new AccessRule(routes, methods, callers);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(ErrorCode.INVALID_FIELD, where + '.' + e.getMessage());
        }
    }

    private static Set<String> strings(JsonNode node, String field, String where) {
        final JsonNode array = node.get(field);
        final Set<String> values = new LinkedHashSet<>();
        if (array == null || array.isNull()) {
            return values;
        }
        if (!array.isArray()) {
            throw new InvalidInputException(
                    ErrorCode.INVALID_FIELD, where + '.' + field + ": not an array " + "(expected: a list of strings)");
        }
        for (JsonNode value : array) {
            if (!value.isTextual()) {
                throw new InvalidInputException(
                        ErrorCode.INVALID_FIELD, where + '.' + field + ": " + value + " is not a string");
            }
            values.add(value.textValue());
        }
        return values;
    }

    public static byte[] writePolicy(AccessPolicy policy) {
        return RegistryJson.write(policyNode(policy));
    }

    private static ObjectNode policyNode(AccessPolicy policy) {
        final ObjectNode root = JsonTrees.NODES.objectNode();
        if (policy.defaultPolicy() != null) {
            root.put("default", policy.defaultPolicy().value());
        }
        final ArrayNode rules = root.putArray("rules");
        for (AccessRule rule : policy.rules()) {
            final ObjectNode node = rules.addObject();
            rule.routes().stream().sorted().forEach(node.putArray("routes")::add);
            rule.methods().stream().map(HttpMethod::name).sorted().forEach(node.putArray("methods")::add);
            rule.callers().stream().map(ServiceName::value).sorted().forEach(node.putArray("allowCallers")::add);
        }
        return root;
    }

    /**
     * The answer to a policy read or watch: {@code {"index": N, "policy": {...} | null, "meshDefault": "deny"}}
     * ({@code meshDefault} only when the snapshot has it).
     */
    public static byte[] writeSnapshot(PolicySnapshot snapshot) {
        final ObjectNode root = JsonTrees.NODES.objectNode().put("index", snapshot.index());
        if (snapshot.policy() != null) {
            root.set("policy", policyNode(snapshot.policy()));
        } else {
            root.putNull("policy");
        }
        if (snapshot.meshDefault() != null) {
            root.put("meshDefault", snapshot.meshDefault().value());
        }
        return RegistryJson.write(root);
    }

    public static PolicySnapshot parseSnapshot(byte[] body) {
        final JsonNode root = RegistryJson.readAnswer(body);
        final JsonNode policy = root.path("policy");
        final JsonNode meshDefault = root.path("meshDefault");
        return new PolicySnapshot(
                root.path("index").asLong(),
                policy.isObject() ? parsePolicy(RegistryJson.write(policy)) : null,
                meshDefault.isTextual() ? DefaultPolicy.of(meshDefault.textValue()) : null);
    }

    private PolicyJson() {}
}
