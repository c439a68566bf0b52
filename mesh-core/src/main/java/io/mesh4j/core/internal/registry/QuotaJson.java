package io.mesh4j.core.internal.registry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.routing.QuotaSpec;

/**
 * The bodies of {@code POST /v1/services/{service}/quota-leases}: what a serving instance asks for (its recent
 * demand per quota, or the release of its leases as it stops) and the shares the registry leases it.
 */
public final class QuotaJson {

    /**
     * The header of a 429 that says whose limit refused the request: {@link #LIMIT_QUOTA} (a mesh-wide quota,
     * which every instance shares, so mesh clients do not retry it elsewhere) or {@link #LIMIT_INSTANCE} (the
     * instance's own rate limit, which another instance may not have reached).
     */
    public static final String LIMIT_HEADER = "mesh-limit";

    /** {@link #LIMIT_HEADER}'s value for a mesh-wide quota. */
    public static final String LIMIT_QUOTA = "quota";

    /** {@link #LIMIT_HEADER}'s value for the instance's own rate limit. */
    public static final String LIMIT_INSTANCE = "instance";

    /** The path of a service's lease calls. */
    public static String leasesPath(String service) {
        return "/v1/services/" + service + "/quota-leases";
    }

    /** The operator's view of every quota, its holders and its refusals. */
    public static final String LIST_PATH = "/v1/quotas";

    private static final Set<String> REQUEST_FIELDS = Set.of("instance", "quotas", "release");
    private static final Set<String> DEMAND_FIELDS = Set.of("name", "demand", "refused", "declared");
    private static final Set<String> DECLARED_FIELDS = Set.of("requests", "per", "caller");
    private static final String EXAMPLE = "{\"instance\": \"orders-1\", \"quotas\": [{\"name\": \"frontend-charge\", "
            + "\"demand\": 12.5, \"refused\": 0}]}";

    /**
     * One quota's line of a lease request.
     *
     * @param name the quota's name in the service's route config
     * @param demand requests per second the instance saw for it lately, accepted and refused, {@code >= 0}
     * @param refused requests it refused for it since its last request, {@code >= 0}
     * @param declared the quota as the instance's {@code @Quota} declares it, its size for the registry to divide
     *     unless the service's route config has a quota of the same name; {@code null} for a quota of the route
     *     config only
     */
    public record Demand(
            String name,
            double demand,
            long refused,
            @Nullable QuotaSpec declared) {

        /** A quota of the route config only. */
        public Demand(String name, double demand, long refused) {
            this(name, demand, refused, null);
        }
    }

    /**
     * A lease request.
     *
     * @param instance the asking instance, registered or about to be, of the path's service
     * @param quotas the quotas it enforces, with its demand
     * @param release {@code true} when the instance stops: its leases end now and their shares go to the others
     */
    public record LeaseRequest(InstanceId instance, List<Demand> quotas, boolean release) {}

    /**
     * One lease.
     *
     * @param name the quota's name
     * @param perSecond the share this instance may accept, in requests per second
     * @param ttlMillis how long the lease holds unless renewed
     * @param holders how many instances hold a share of the quota now
     */
    public record Lease(String name, double perSecond, long ttlMillis, int holders) {}

    /**
     * The answer to a lease request.
     *
     * @param leases one per quota asked for that the service's route config still has
     * @param renewAfterMillis when to ask again, well before the leases expire
     * @param instances the service's registered instances, the divisor of the safe share if the registry goes away
     */
    public record LeaseAnswer(List<Lease> leases, long renewAfterMillis, int instances) {}

    public static byte[] writeRequest(LeaseRequest request) {
        final ObjectNode root =
                JsonTrees.NODES.objectNode().put("instance", request.instance().value());
        final ArrayNode quotas = root.putArray("quotas");
        for (Demand demand : request.quotas()) {
            final ObjectNode line = quotas.addObject()
                    .put("name", demand.name())
                    .put("demand", demand.demand())
                    .put("refused", demand.refused());
            final @Nullable QuotaSpec declared = demand.declared();
            if (declared != null) {
                line.set("declared", declaredNode(declared));
            }
        }
        if (request.release()) {
            root.put("release", true);
        }
        return RegistryJson.write(root);
    }

    /** Reads a lease request strictly, naming the field that is wrong. */
    public static LeaseRequest parseRequest(byte[] body) {
        final ObjectNode root = StrictJson.readObject(body, EXAMPLE);
        strict(root, REQUEST_FIELDS, "the lease request");
        final JsonNode instance = root.get("instance");
        if (instance == null || !instance.isTextual()) {
            throw invalid("instance: " + (instance == null ? "missing" : instance) + " (expected: the instance id)");
        }
        final InstanceId id;
        try {
            id = InstanceId.of(instance.textValue());
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(ErrorCode.INVALID_NAME, "instance: " + e.getMessage());
        }
        final List<Demand> demands = new ArrayList<>();
        final JsonNode quotas = root.get("quotas");
        if (quotas != null && !quotas.isNull()) {
            if (!quotas.isArray()) {
                throw invalid("quotas: not an array (expected: " + EXAMPLE + ')');
            }
            int i = 0;
            for (JsonNode node : quotas) {
                final String where = "quotas[" + i++ + ']';
                if (!node.isObject()) {
                    throw invalid(where + ": not an object (expected: {\"name\": \"...\", \"demand\": 12.5})");
                }
                strict((ObjectNode) node, DEMAND_FIELDS, where);
                final JsonNode name = node.get("name");
                final JsonNode demand = node.path("demand");
                final JsonNode refused = node.path("refused");
                if (name == null || !name.isTextual()) {
                    throw invalid(where + ".name: missing or not a string (expected: the quota's name)");
                }
                if (!demand.isMissingNode() && (!demand.isNumber() || demand.doubleValue() < 0)) {
                    throw invalid(where + ".demand: " + demand + " (expected: requests per second, >= 0)");
                }
                if (!refused.isMissingNode() && (!refused.canConvertToLong() || refused.longValue() < 0)) {
                    throw invalid(where + ".refused: " + refused + " (expected: a whole number, >= 0)");
                }
                final JsonNode declared = node.path("declared");
                demands.add(new Demand(
                        name.textValue(),
                        demand.asDouble(0),
                        refused.asLong(0),
                        declared.isMissingNode() || declared.isNull()
                                ? null
                                : parseDeclared(name.textValue(), declared, where + ".declared")));
            }
        }
        final JsonNode release = root.path("release");
        if (!release.isMissingNode() && !release.isBoolean()) {
            throw invalid("release: " + release + " (expected: true or false)");
        }
        return new LeaseRequest(id, demands, release.asBoolean(false));
    }

    /**
     * A declared quota's size and caller, as a lease request and a replicated registry's holders carry it:
     * {@code {"requests": 100, "per": "1s", "caller": "frontend"}}.
     */
    public static ObjectNode declaredNode(QuotaSpec declared) {
        final ObjectNode node = JsonTrees.NODES
                .objectNode()
                .put("requests", declared.requests())
                .put("per", RouteJson.formatDuration(declared.per()));
        if (declared.caller() != null) {
            node.put("caller", declared.caller().value());
        }
        return node;
    }

    /**
     * Reads what {@link #declaredNode} writes, with the checks of a route config's quota.
     *
     * @throws InvalidInputException naming {@code where} and the field that is wrong
     */
    public static QuotaSpec parseDeclared(String name, JsonNode node, String where) {
        if (!node.isObject()) {
            throw invalid(where + ": not an object (expected: {\"requests\": 100, \"per\": \"1s\"})");
        }
        strict((ObjectNode) node, DECLARED_FIELDS, where);
        final JsonNode requests = node.path("requests");
        if (!requests.isIntegralNumber() || !requests.canConvertToLong()) {
            throw invalid(where + ".requests: " + requests + " (expected: a whole number of requests, > 0)");
        }
        final JsonNode per = node.path("per");
        final JsonNode caller = node.path("caller");
        try {
            return new QuotaSpec(
                    name,
                    null,
                    caller.isMissingNode() || caller.isNull() ? null : ServiceName.of(caller.asText()),
                    requests.longValue(),
                    per.isMissingNode() ? Duration.ofSeconds(1) : RouteJson.parseDuration(per.asText()));
        } catch (IllegalArgumentException e) {
            throw invalid(where + ": " + e.getMessage());
        }
    }

    public static byte[] writeAnswer(LeaseAnswer answer) {
        final ObjectNode root = JsonTrees.NODES.objectNode();
        final ArrayNode leases = root.putArray("leases");
        for (Lease lease : answer.leases()) {
            leases.addObject()
                    .put("name", lease.name())
                    .put("perSecond", lease.perSecond())
                    .put("ttlMillis", lease.ttlMillis())
                    .put("holders", lease.holders());
        }
        root.put("renewAfterMillis", answer.renewAfterMillis()).put("instances", answer.instances());
        return RegistryJson.write(root);
    }

    public static LeaseAnswer parseAnswer(byte[] body) {
        final JsonNode root = RegistryJson.readAnswer(body);
        final List<Lease> leases = new ArrayList<>();
        for (JsonNode lease : root.path("leases")) {
            leases.add(new Lease(
                    lease.path("name").asText(),
                    lease.path("perSecond").asDouble(),
                    lease.path("ttlMillis").asLong(),
                    lease.path("holders").asInt()));
        }
        return new LeaseAnswer(
                leases,
                root.path("renewAfterMillis").asLong(),
                root.path("instances").asInt());
    }

    private static void strict(ObjectNode object, Set<String> known, String where) {
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            final String name = it.next();
            if (!known.contains(name)) {
                throw new InvalidInputException(
                        ErrorCode.UNKNOWN_FIELD,
                        where + ": unknown field '" + name + "' (expected only: "
                                + String.join(", ", known.stream().sorted().toList()) + ')');
            }
        }
    }

    private static InvalidInputException invalid(String message) {
        return new InvalidInputException(ErrorCode.INVALID_FIELD, message);
    }

    private QuotaJson() {}
}
