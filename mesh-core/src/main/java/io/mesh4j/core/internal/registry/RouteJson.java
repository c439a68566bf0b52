package io.mesh4j.core.internal.registry;

import static java.util.Objects.requireNonNullElse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpMethod;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.routing.FaultSpec;
import io.mesh4j.core.routing.HedgeSpec;
import io.mesh4j.core.routing.OutlierSpec;
import io.mesh4j.core.routing.PathMatch;
import io.mesh4j.core.routing.QuotaSpec;
import io.mesh4j.core.routing.RateLimitSpec;
import io.mesh4j.core.routing.RetrySpec;
import io.mesh4j.core.routing.RetrySpec.RetryOn;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteMatch;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.core.routing.Subset;
import io.mesh4j.core.routing.WeightedSubset;

/**
 * The body of {@code /v1/routes/{service}}: a route config, read strictly. Every refusal names the rule (by
 * position and name) and the field, and says what to write instead; see the README's route-config reference.
 */
public final class RouteJson {

    private static final Set<String> CONFIG_FIELDS = Set.of("rules", "overrideCallers", "quotas");
    private static final Set<String> RULE_FIELDS = Set.of(
            "name",
            "match",
            "route",
            "fallback",
            "timeout",
            "perAttemptTimeout",
            "retry",
            "hedge",
            "fault",
            "rateLimit",
            "concurrencyLimit",
            "outlier");
    private static final Set<String> MATCH_FIELDS = Set.of("path", "methods", "headers");
    private static final Set<String> PATH_FIELDS = Set.of("exact", "prefix", "template", "regex");
    private static final Set<String> SPLIT_FIELDS = Set.of("subset", "weight");
    private static final Set<String> RETRY_FIELDS = Set.of("attempts", "on", "backoff");
    private static final Set<String> BACKOFF_FIELDS = Set.of("base", "cap");
    private static final Set<String> HEDGE_FIELDS = Set.of("delay", "percentile", "maxAttempts");
    private static final Set<String> FAULT_FIELDS = Set.of("delay", "abort");
    private static final Set<String> FAULT_DELAY_FIELDS = Set.of("percent", "duration");
    private static final Set<String> FAULT_ABORT_FIELDS = Set.of("percent", "status");
    private static final Set<String> RATE_LIMIT_FIELDS = Set.of("requestsPerSecond", "perCaller");
    private static final Set<String> QUOTA_FIELDS = Set.of("name", "rule", "caller", "requests", "per");
    private static final String QUOTA_EXAMPLE = "{\"name\": \"frontend-charge\", \"rule\": \"charge\", "
            + "\"caller\": \"frontend\", \"requests\": 1000, \"per\": \"1m\"}";
    private static final Set<String> OUTLIER_FIELDS =
            Set.of("consecutiveFailures", "failureRate", "ejectionTime", "maxEjectedPercent");
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m)");
    private static final String EXAMPLE = "{\"rules\": [{\"name\": \"canary\", \"match\": {\"path\": {\"prefix\": "
            + "\"/orders\"}}, \"route\": [{\"subset\": {\"version\": \"v1\"}, "
            + "\"weight\": 90}, {\"subset\": {\"version\": \"v2\"}, \"weight\": 10}]}]}";

    /** A service's route config as the registry has it, and the index of its last change; null when none. */
    public record RoutesSnapshot(long index, @Nullable RouteConfig routes) {}

    // ---- reading

    public static RouteConfig parse(byte[] body) {
        final ObjectNode root = StrictJson.readObject(body, EXAMPLE);
        new StrictJson.Fields(root, CONFIG_FIELDS);
        final JsonNode rules = root.get("rules");
        if (rules == null || !rules.isArray()) {
            throw invalid("rules", rules == null ? "missing" : "not an array", "a list of rules, such as " + EXAMPLE);
        }
        final List<RouteRule> parsed = new ArrayList<>();
        int i = 0;
        for (JsonNode rule : rules) {
            parsed.add(parseRule(rule, i++));
        }
        final Set<ServiceName> overrideCallers = new LinkedHashSet<>();
        for (String caller : strings(root.get("overrideCallers"), "overrideCallers")) {
            try {
                overrideCallers.add(ServiceName.of(caller));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(ErrorCode.INVALID_FIELD, "overrideCallers: " + e.getMessage());
            }
        }
        final List<QuotaSpec> quotas = new ArrayList<>();
        final JsonNode quotaNodes = root.get("quotas");
        if (quotaNodes != null && !quotaNodes.isNull()) {
            if (!quotaNodes.isArray()) {
                throw invalid("quotas", "not an array", "a list of quotas, such as [" + QUOTA_EXAMPLE + "]");
            }
            int q = 0;
            for (JsonNode quota : quotaNodes) {
                quotas.add(parseQuota(quota, q++));
            }
        }
        try {
            return new RouteConfig(parsed, overrideCallers, quotas);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(ErrorCode.INVALID_FIELD, requireNonNullElse(e.getMessage(), e.toString()));
        }
    }

    private static RouteRule parseRule(JsonNode node, int position) {
        String where = "rules[" + position + ']';
        final ObjectNode rule = object(node, where, "{\"name\": \"canary\", \"match\": {...}, \"route\": [...]}");
        final String name = rule.hasNonNull("name") ? text(rule.get("name"), where + ".name") : "rule-" + position;
        where += " ('" + name + "')";
        strictFields(rule, RULE_FIELDS, where);
        try {
            return new RouteRule(
                    name,
                    parseMatch(rule.get("match"), where + ".match"),
                    parseSplit(rule.get("route"), where + ".route"),
                    rule.hasNonNull("fallback") ? subset(rule.get("fallback"), where + ".fallback") : null,
                    optionalDuration(rule, "timeout", where),
                    optionalDuration(rule, "perAttemptTimeout", where),
                    rule.hasNonNull("retry") ? parseRetry(rule.get("retry"), where + ".retry") : null,
                    rule.hasNonNull("hedge") ? parseHedge(rule.get("hedge"), where + ".hedge") : null,
                    rule.hasNonNull("fault") ? parseFault(rule.get("fault"), where + ".fault") : null,
                    rule.hasNonNull("rateLimit") ? parseRateLimit(rule.get("rateLimit"), where + ".rateLimit") : null,
                    rule.hasNonNull("concurrencyLimit")
                            ? integer(rule.get("concurrencyLimit"), where + ".concurrencyLimit")
                            : null,
                    rule.hasNonNull("outlier") ? parseOutlier(rule.get("outlier"), where + ".outlier") : null);
        } catch (IllegalArgumentException e) {
            // The model's own checks (weights, timeouts...) name the field; the rule is ours to name.
            throw new InvalidInputException(ErrorCode.INVALID_FIELD, where + "." + e.getMessage());
        }
    }

    private static RouteMatch parseMatch(@Nullable JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return RouteMatch.ALL;
        }
        final ObjectNode match = object(node, where, "{\"path\": {\"prefix\": \"/orders\"}, \"methods\": [\"GET\"]}");
        strictFields(match, MATCH_FIELDS, where);
        PathMatch path = null;
        if (match.hasNonNull("path")) {
            final ObjectNode pathNode = object(match.get("path"), where + ".path", "{\"prefix\": \"/orders\"}");
            strictFields(pathNode, PATH_FIELDS, where + ".path");
            if (pathNode.size() != 1) {
                throw invalid(
                        where + ".path",
                        pathNode.size() + " kinds of match",
                        "exactly one of exact, prefix, template or regex");
            }
            final Map.Entry<String, JsonNode> kind =
                    pathNode.properties().iterator().next();
            try {
                path = PathMatch.of(
                        PathMatch.Kind.valueOf(kind.getKey().toUpperCase(Locale.ROOT)),
                        text(kind.getValue(), where + ".path." + kind.getKey()));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(
                        ErrorCode.INVALID_FIELD, where + ".path." + kind.getKey() + ": " + e.getMessage());
            }
        }
        final Set<HttpMethod> methods = new LinkedHashSet<>();
        for (String method : strings(match.get("methods"), where + ".methods")) {
            final HttpMethod parsed = HttpMethod.tryParse(method);
            if (parsed == null || parsed == HttpMethod.UNKNOWN) {
                throw invalid(where + ".methods", "'" + method + "'", "GET, POST, PUT, DELETE, ...");
            }
            methods.add(parsed);
        }
        final Map<String, String> headers = new LinkedHashMap<>();
        stringMap(match.get("headers"), where + ".headers")
                .forEach((name, value) -> headers.put(name.toLowerCase(Locale.ROOT), value));
        return new RouteMatch(path, methods, headers);
    }

    private static List<WeightedSubset> parseSplit(@Nullable JsonNode node, String where) {
        final List<WeightedSubset> split = new ArrayList<>();
        if (node == null || node.isNull()) {
            return split;
        }
        if (!node.isArray()) {
            throw invalid(
                    where, "not an array", "a list such as [{\"subset\": {\"version\": \"v1\"}, \"weight\": 90}]");
        }
        int i = 0;
        for (JsonNode entry : node) {
            final String at = where + '[' + i++ + ']';
            final ObjectNode object = object(entry, at, "{\"subset\": {\"version\": \"v1\"}, \"weight\": 90}");
            strictFields(object, SPLIT_FIELDS, at);
            final int weight = object.hasNonNull("weight") ? integer(object.get("weight"), at + ".weight") : 100;
            try {
                split.add(new WeightedSubset(subset(object.get("subset"), at + ".subset"), weight));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(ErrorCode.INVALID_FIELD, at + '.' + e.getMessage());
            }
        }
        return split;
    }

    private static Subset subset(@Nullable JsonNode node, String where) {
        return node == null || node.isNull() ? Subset.ALL : new Subset(stringMap(node, where));
    }

    private static RetrySpec parseRetry(JsonNode node, String where) {
        final ObjectNode retry = object(node, where, "{\"attempts\": 3, \"on\": [\"unprocessed\", \"503\"]}");
        strictFields(retry, RETRY_FIELDS, where);
        final int attempts = retry.hasNonNull("attempts")
                ? integer(retry.get("attempts"), where + ".attempts")
                : RetrySpec.DEFAULT_ATTEMPTS;
        final Set<RetryOn> on = EnumSet.noneOf(RetryOn.class);
        for (String value : strings(retry.get("on"), where + ".on")) {
            on.add(retryOn(value, where + ".on"));
        }
        if (on.isEmpty()) {
            on.addAll(EnumSet.of(RetryOn.UNPROCESSED, RetryOn.UNAVAILABLE));
        }
        Duration base = Duration.ofMillis(RetrySpec.DEFAULT_BACKOFF_BASE_MILLIS);
        Duration cap = Duration.ofMillis(RetrySpec.DEFAULT_BACKOFF_CAP_MILLIS);
        if (retry.hasNonNull("backoff")) {
            final ObjectNode backoff =
                    object(retry.get("backoff"), where + ".backoff", "{\"base\": \"10ms\", \"cap\": \"1s\"}");
            strictFields(backoff, BACKOFF_FIELDS, where + ".backoff");
            base = backoff.hasNonNull("base") ? duration(backoff.get("base"), where + ".backoff.base") : base;
            cap = backoff.hasNonNull("cap") ? duration(backoff.get("cap"), where + ".backoff.cap") : cap;
        }
        return new RetrySpec(attempts, on, base, cap);
    }

    private static RetryOn retryOn(String value, String where) {
        for (RetryOn on : RetryOn.values()) {
            if (on.wireName().equals(value)) {
                return on;
            }
        }
        throw invalid(
                where,
                "'" + value + "'",
                "unprocessed, 503, gateway-error, 5xx, timeout, or for gRPC cancelled, deadline-exceeded, internal, "
                        + "resource-exhausted or unavailable");
    }

    private static HedgeSpec parseHedge(JsonNode node, String where) {
        final ObjectNode hedge = object(node, where, "{\"delay\": \"50ms\", \"maxAttempts\": 2}");
        strictFields(hedge, HEDGE_FIELDS, where);
        return new HedgeSpec(
                hedge.hasNonNull("delay") ? duration(hedge.get("delay"), where + ".delay") : null,
                hedge.hasNonNull("percentile") ? number(hedge.get("percentile"), where + ".percentile") : null,
                hedge.hasNonNull("maxAttempts") ? integer(hedge.get("maxAttempts"), where + ".maxAttempts") : 2);
    }

    private static FaultSpec parseFault(JsonNode node, String where) {
        final ObjectNode fault = object(
                node,
                where,
                "{\"delay\": {\"percent\": 10, \"duration\": \"100ms\"}, "
                        + "\"abort\": {\"percent\": 5, \"status\": 503}}");
        strictFields(fault, FAULT_FIELDS, where);
        double delayPercent = 0;
        Duration delay = null;
        if (fault.hasNonNull("delay")) {
            final ObjectNode d =
                    object(fault.get("delay"), where + ".delay", "{\"percent\": 10, \"duration\": \"100ms\"}");
            strictFields(d, FAULT_DELAY_FIELDS, where + ".delay");
            delayPercent = d.hasNonNull("percent") ? number(d.get("percent"), where + ".delay.percent") : 100;
            delay = d.hasNonNull("duration") ? duration(d.get("duration"), where + ".delay.duration") : null;
        }
        double abortPercent = 0;
        int status = 503;
        if (fault.hasNonNull("abort")) {
            final ObjectNode a = object(fault.get("abort"), where + ".abort", "{\"percent\": 5, \"status\": 503}");
            strictFields(a, FAULT_ABORT_FIELDS, where + ".abort");
            abortPercent = a.hasNonNull("percent") ? number(a.get("percent"), where + ".abort.percent") : 100;
            status = a.hasNonNull("status") ? integer(a.get("status"), where + ".abort.status") : 503;
        }
        return new FaultSpec(delayPercent, delay, abortPercent, status);
    }

    private static RateLimitSpec parseRateLimit(JsonNode node, String where) {
        final ObjectNode limit = object(node, where, "{\"requestsPerSecond\": 100, \"perCaller\": true}");
        strictFields(limit, RATE_LIMIT_FIELDS, where);
        if (!limit.hasNonNull("requestsPerSecond")) {
            throw invalid(where + ".requestsPerSecond", "missing", "a number of requests per second");
        }
        final boolean perCaller = limit.hasNonNull("perCaller") && bool(limit.get("perCaller"), where + ".perCaller");
        return new RateLimitSpec(number(limit.get("requestsPerSecond"), where + ".requestsPerSecond"), perCaller);
    }

    private static QuotaSpec parseQuota(JsonNode node, int position) {
        String where = "quotas[" + position + ']';
        final ObjectNode quota = object(node, where, QUOTA_EXAMPLE);
        if (!quota.hasNonNull("name")) {
            throw invalid(where + ".name", "missing", "a name for the quota, such as frontend-charge");
        }
        final String name = text(quota.get("name"), where + ".name");
        where += " ('" + name + "')";
        strictFields(quota, QUOTA_FIELDS, where);
        if (!quota.hasNonNull("requests")) {
            throw invalid(where + ".requests", "missing", "how many requests per period, such as 1000");
        }
        final JsonNode requests = quota.get("requests");
        if (!requests.isIntegralNumber() || !requests.canConvertToLong()) {
            throw invalid(where + ".requests", requests.toString(), "a whole number of requests, > 0");
        }
        ServiceName caller = null;
        if (quota.hasNonNull("caller")) {
            try {
                caller = ServiceName.of(text(quota.get("caller"), where + ".caller"));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(ErrorCode.INVALID_FIELD, where + ".caller: " + e.getMessage());
            }
        }
        try {
            return new QuotaSpec(
                    name,
                    quota.hasNonNull("rule") ? text(quota.get("rule"), where + ".rule") : null,
                    caller,
                    requests.longValue(),
                    quota.hasNonNull("per") ? duration(quota.get("per"), where + ".per") : Duration.ofSeconds(1));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(ErrorCode.INVALID_FIELD, where + "." + e.getMessage());
        }
    }

    private static OutlierSpec parseOutlier(JsonNode node, String where) {
        final ObjectNode outlier = object(node, where, "{\"consecutiveFailures\": 5, \"ejectionTime\": \"30s\"}");
        strictFields(outlier, OUTLIER_FIELDS, where);
        return new OutlierSpec(
                outlier.hasNonNull("consecutiveFailures")
                        ? integer(outlier.get("consecutiveFailures"), where + ".consecutiveFailures")
                        : 5,
                outlier.hasNonNull("failureRate") ? number(outlier.get("failureRate"), where + ".failureRate") : 50,
                outlier.hasNonNull("ejectionTime")
                        ? duration(outlier.get("ejectionTime"), where + ".ejectionTime")
                        : Duration.ofSeconds(30),
                outlier.hasNonNull("maxEjectedPercent")
                        ? integer(outlier.get("maxEjectedPercent"), where + ".maxEjectedPercent")
                        : 50);
    }

    // ---- writing

    public static byte[] write(RouteConfig config) {
        return RegistryJson.write(configNode(config));
    }

    private static ObjectNode configNode(RouteConfig config) {
        final ObjectNode root = JsonTrees.NODES.objectNode();
        final ArrayNode rules = root.putArray("rules");
        if (!config.overrideCallers().isEmpty()) {
            config.overrideCallers().stream()
                    .map(ServiceName::value)
                    .sorted()
                    .forEach(root.putArray("overrideCallers")::add);
        }
        for (RouteRule rule : config.rules()) {
            final ObjectNode node = rules.addObject().put("name", rule.name());
            final ObjectNode match = node.putObject("match");
            if (rule.match().path() != null) {
                match.putObject("path")
                        .put(
                                rule.match().path().kind().name().toLowerCase(Locale.ROOT),
                                rule.match().path().value());
            }
            rule.match().methods().stream().map(HttpMethod::name).sorted().forEach(match.putArray("methods")::add);
            final ObjectNode headers = match.putObject("headers");
            rule.match().headers().forEach(headers::put);
            final ArrayNode split = node.putArray("route");
            for (WeightedSubset entry : rule.split()) {
                final ObjectNode subset =
                        split.addObject().put("weight", entry.weight()).putObject("subset");
                entry.subset().labels().forEach(subset::put);
            }
            if (rule.fallback() != null) {
                final ObjectNode fallback = node.putObject("fallback");
                rule.fallback().labels().forEach(fallback::put);
            }
            putDuration(node, "timeout", rule.timeout());
            putDuration(node, "perAttemptTimeout", rule.perAttemptTimeout());
            if (rule.retry() != null) {
                final ObjectNode retry =
                        node.putObject("retry").put("attempts", rule.retry().attempts());
                rule.retry().on().stream().map(RetryOn::wireName).sorted().forEach(retry.putArray("on")::add);
                final ObjectNode backoff = retry.putObject("backoff");
                putDuration(backoff, "base", rule.retry().backoffBase());
                putDuration(backoff, "cap", rule.retry().backoffCap());
            }
            if (rule.hedge() != null) {
                final ObjectNode hedge =
                        node.putObject("hedge").put("maxAttempts", rule.hedge().maxAttempts());
                putDuration(hedge, "delay", rule.hedge().delay());
                if (rule.hedge().percentile() != null) {
                    hedge.put("percentile", rule.hedge().percentile());
                }
            }
            if (rule.fault() != null) {
                final ObjectNode fault = node.putObject("fault");
                if (rule.fault().delayPercent() > 0) {
                    putDuration(
                            fault.putObject("delay").put("percent", rule.fault().delayPercent()),
                            "duration",
                            rule.fault().delay());
                }
                if (rule.fault().abortPercent() > 0) {
                    fault.putObject("abort")
                            .put("percent", rule.fault().abortPercent())
                            .put("status", rule.fault().abortStatus());
                }
            }
            if (rule.rateLimit() != null) {
                node.putObject("rateLimit")
                        .put("requestsPerSecond", rule.rateLimit().requestsPerSecond())
                        .put("perCaller", rule.rateLimit().perCaller());
            }
            if (rule.concurrencyLimit() != null) {
                node.put("concurrencyLimit", rule.concurrencyLimit());
            }
            if (rule.outlier() != null) {
                final ObjectNode outlier = node.putObject("outlier")
                        .put("consecutiveFailures", rule.outlier().consecutiveFailures())
                        .put("failureRate", rule.outlier().failureRatePercent())
                        .put("maxEjectedPercent", rule.outlier().maxEjectedPercent());
                putDuration(outlier, "ejectionTime", rule.outlier().ejectionTime());
            }
        }
        if (!config.quotas().isEmpty()) {
            final ArrayNode quotas = root.putArray("quotas");
            for (QuotaSpec quota : config.quotas()) {
                final ObjectNode node = quotas.addObject().put("name", quota.name());
                if (quota.rule() != null) {
                    node.put("rule", quota.rule());
                }
                if (quota.caller() != null) {
                    node.put("caller", quota.caller().value());
                }
                node.put("requests", quota.requests());
                putDuration(node, "per", quota.per());
            }
        }
        return root;
    }

    /** The answer to a routes read or watch: {@code {"index": N, "routes": {...} | null}}. */
    public static byte[] writeSnapshot(RoutesSnapshot snapshot) {
        final ObjectNode root = JsonTrees.NODES.objectNode().put("index", snapshot.index());
        if (snapshot.routes() != null) {
            root.set("routes", configNode(snapshot.routes()));
        } else {
            root.putNull("routes");
        }
        return RegistryJson.write(root);
    }

    public static RoutesSnapshot parseSnapshot(byte[] body) {
        final JsonNode root = RegistryJson.readAnswer(body);
        final JsonNode routes = root.path("routes");
        return new RoutesSnapshot(
                root.path("index").asLong(), routes.isObject() ? parse(RegistryJson.write(routes)) : null);
    }

    // ---- durations as the route config writes them

    public static Duration parseDuration(String text) {
        final Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "'" + text + "' (expected: a whole number and ms, s or m, such as " + "250ms or 2s)");
        }
        final long amount = Long.parseLong(m.group(1));
        switch (m.group(2)) {
            case "ms":
                return Duration.ofMillis(amount);
            case "s":
                return Duration.ofSeconds(amount);
            default:
                return Duration.ofMinutes(amount);
        }
    }

    public static String formatDuration(Duration duration) {
        final long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    private static void putDuration(ObjectNode node, String field, @Nullable Duration duration) {
        if (duration != null) {
            node.put(field, formatDuration(duration));
        }
    }

    // ---- strict reading of the parts

    private static ObjectNode object(@Nullable JsonNode node, String where, String example) {
        if (node == null || !node.isObject()) {
            throw invalid(where, node == null ? "missing" : "not an object", example);
        }
        return (ObjectNode) node;
    }

    private static void strictFields(ObjectNode object, Set<String> known, String where) {
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            final String name = it.next();
            if (!known.contains(name)) {
                throw new InvalidInputException(
                        ErrorCode.UNKNOWN_FIELD,
                        where + ": unknown field '" + name
                                + "' (expected only: "
                                + String.join(", ", known.stream().sorted().toList()) + ')');
            }
        }
    }

    private static String text(JsonNode node, String where) {
        if (!node.isTextual()) {
            throw invalid(where, node.toString(), "a string");
        }
        return node.textValue();
    }

    private static int integer(JsonNode node, String where) {
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw invalid(where, node.toString(), "a whole number");
        }
        return node.intValue();
    }

    private static double number(JsonNode node, String where) {
        if (!node.isNumber()) {
            throw invalid(where, node.toString(), "a number");
        }
        return node.doubleValue();
    }

    private static boolean bool(JsonNode node, String where) {
        if (!node.isBoolean()) {
            throw invalid(where, node.toString(), "true or false");
        }
        return node.booleanValue();
    }

    private static Duration duration(JsonNode node, String where) {
        try {
            return parseDuration(text(node, where));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(ErrorCode.INVALID_FIELD, where + ": " + e.getMessage());
        }
    }

    private static @Nullable Duration optionalDuration(ObjectNode node, String field, String where) {
        return node.hasNonNull(field) ? duration(node.get(field), where + '.' + field) : null;
    }

    private static List<String> strings(@Nullable JsonNode node, String where) {
        final List<String> values = new ArrayList<>();
        if (node == null || node.isNull()) {
            return values;
        }
        if (!node.isArray()) {
            throw invalid(where, "not an array", "a list of strings");
        }
        for (JsonNode value : node) {
            values.add(text(value, where));
        }
        return values;
    }

    private static Map<String, String> stringMap(@Nullable JsonNode node, String where) {
        final Map<String, String> map = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return map;
        }
        if (!node.isObject()) {
            throw invalid(where, "not an object", "an object of strings, such as {\"version\": \"v2\"}");
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            map.put(e.getKey(), text(e.getValue(), where + '.' + e.getKey()));
        }
        return map;
    }

    private static InvalidInputException invalid(String where, String what, String expected) {
        return new InvalidInputException(
                ErrorCode.INVALID_FIELD, where + ": " + what + " (expected: " + expected + ')');
    }

    private RouteJson() {}
}
