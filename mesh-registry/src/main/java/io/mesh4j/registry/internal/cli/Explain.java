package io.mesh4j.registry.internal.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpHeadersBuilder;
import com.linecorp.armeria.common.HttpMethod;

import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.authz.AccessRule;
import io.mesh4j.core.authz.DefaultPolicy;
import io.mesh4j.core.discovery.Instance;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.authz.AccessDecision;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.core.internal.registry.PolicyJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.RegistryException;
import io.mesh4j.core.internal.registry.RouteJson;
import io.mesh4j.core.internal.registry.ServiceSummary;
import io.mesh4j.core.routing.QuotaSpec;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.core.routing.Subset;
import io.mesh4j.core.routing.WeightedSubset;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meshctl explain}: what the mesh would do with one request, from the route config and access policy the
 * registry holds now, decided by the code the members decide by ({@link RouteConfig#match}, {@link QuotaSpec#covers},
 * {@link AccessDecision#decide}): which rule, split, subset, timeout, retry, hedge, faults, limits, quotas, and
 * whether the caller is allowed. What lives only in a service's code (its annotations, its client's defaults) the
 * registry cannot see: the answer says where that applies.
 */
@Command(
        name = "explain",
        mixinStandardHelpOptions = true,
        description = "Explains what the mesh would do with one request: the route rule it matches, its split and "
                + "subsets, timeout, retry, hedge, faults, limits and quotas, and the authorization decision, from the "
                + "route config and access policy in force in the registry.")
final class Explain extends AdminCommand {

    /** What no registry rule sets: the annotations in the service's code, else the defaults of client and server. */
    static final String NOT_SET = "not set by the registry (the route's annotations, else the defaults)";

    @Parameters(index = "0", paramLabel = "SERVICE", description = "The service called.")
    String service = "";

    @Parameters(index = "1", paramLabel = "METHOD", description = "The HTTP method, such as GET.")
    String method = "";

    @Parameters(
            index = "2",
            paramLabel = "PATH",
            description = "The request's path, without the query, such as /orders/42 (a gRPC method is "
                    + "/pkg.Service/Method).")
    String path = "";

    @Option(
            names = "--as",
            paramLabel = "CALLER",
            description = "The calling service, as its certificate would prove it. Default: a caller without a mesh "
                    + "identity.")
    @Nullable
    String caller;

    @Option(
            names = {"-H", "--header"},
            paramLabel = "NAME=VALUE",
            description = "A request header, for rules that match headers; repeatable.")
    List<String> headers = new ArrayList<>();

    @Option(
            names = "--route",
            paramLabel = "PATTERN",
            description = "The route pattern the service declares for PATH, such as /orders/{id}, which access "
                    + "policies name. Default: the first pattern of the access policy's rules that PATH fits, else "
                    + "PATH itself.")
    @Nullable
    String route;

    @Option(
            names = {"-o", "--output"},
            defaultValue = "table",
            description = "table or json. Default: ${DEFAULT-VALUE}.")
    OutputFormat output = OutputFormat.table;

    private ServiceName name;
    private HttpMethod httpMethod;
    private @Nullable ServiceName callerName;
    private HttpHeaders requestHeaders;

    @Override
    void checkArguments() {
        name = Routes.service(spec, service);
        final @Nullable HttpMethod parsed = HttpMethod.tryParse(method.toUpperCase(java.util.Locale.ROOT));
        if (parsed == null || parsed == HttpMethod.UNKNOWN) {
            throw badArgument("METHOD: '" + method + "' is not an HTTP method (expected: GET, POST, PUT, DELETE, "
                    + "PATCH, HEAD, OPTIONS, TRACE or CONNECT)");
        }
        httpMethod = parsed;
        if (!path.startsWith("/")) {
            throw badArgument("PATH: '" + path + "' (expected: a path that starts with /, such as /orders/42)");
        }
        if (path.indexOf('?') >= 0) {
            throw badArgument("PATH: '" + path + "' has a query (expected: the path only; rules match paths)");
        }
        if (route != null && !route.startsWith("/")) {
            throw badArgument(
                    "--route: '" + route + "' (expected: a pattern that starts with /, such as " + "/orders/{id})");
        }
        try {
            callerName = caller == null ? null : ServiceName.of(caller);
        } catch (IllegalArgumentException e) {
            throw badArgument("--as: " + e.getMessage());
        }
        final HttpHeadersBuilder builder = HttpHeaders.builder();
        for (String header : headers) {
            final int equals = header.indexOf('=');
            if (equals <= 0) {
                throw badArgument("--header: '" + header + "' (expected: NAME=VALUE, such as x-beta=1)");
            }
            builder.add(
                    header.substring(0, equals).trim().toLowerCase(java.util.Locale.ROOT),
                    header.substring(equals + 1));
        }
        requestHeaders = builder.build();
    }

    @Override
    void run(RegistryClient registry, PrintWriter out) throws Exception {
        final RouteJson.RoutesSnapshot routes = registry.routes(name).join();
        final PolicyJson.PolicySnapshot policy = registry.policy(name).join();
        final List<Instance> instances = registry.instances(name).join().instances();
        final Set<ServiceName> known = knownServices(registry);
        if (!known.contains(name) && routes.routes() == null && policy.policy() == null) {
            throw new MeshCtl.Failure("no service " + name + " in the mesh: it has no instance, no join token, no "
                    + "route config and no access policy in the registry (known: " + names(known) + ")");
        }
        final @Nullable ServiceName caller = callerName;
        if (caller != null && !known.contains(caller) && !namedBy(policy.policy(), routes.routes(), caller)) {
            throw new MeshCtl.Failure("--as " + caller + ": no service " + caller + " in the mesh: it has no "
                    + "instance and no join token, and no policy or route config of " + name + " names it (known: "
                    + names(known) + ")");
        }
        final ObjectNode answer = explain(routes, policy, instances, caller);
        if (output == OutputFormat.json) {
            out.println(Stat.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(answer));
        } else {
            printTable(answer, out);
        }
    }

    /**
     * Every service the registry knows of: with an instance now, or with a join token made for it (a client-only
     * workload registers no instance, but joined with a token).
     */
    private static Set<ServiceName> knownServices(RegistryClient registry) {
        final Set<ServiceName> known = new TreeSet<>();
        for (ServiceSummary summary : registry.services().join()) {
            known.add(summary.name());
        }
        try {
            for (IdentityJson.TokenInfo token : registry.tokens().join()) {
                known.add(token.service());
            }
        } catch (CompletionException e) {
            // A plaintext registry makes no join tokens (404): its services are those with instances.
            if (!(e.getCause() instanceof RegistryException refused && refused.status() == 404)) {
                throw e;
            }
        }
        return known;
    }

    private static boolean namedBy(@Nullable AccessPolicy policy, @Nullable RouteConfig routes, ServiceName caller) {
        if (policy != null
                && policy.rules().stream().anyMatch(rule -> rule.callers().contains(caller))) {
            return true;
        }
        return routes != null
                && (routes.overrideCallers().contains(caller)
                        || routes.quotas().stream().anyMatch(quota -> caller.equals(quota.caller())));
    }

    private static String names(Set<ServiceName> services) {
        return services.isEmpty()
                ? "none"
                : String.join(", ", services.stream().map(ServiceName::value).toList());
    }

    private ObjectNode explain(
            RouteJson.RoutesSnapshot routes,
            PolicyJson.PolicySnapshot policy,
            List<Instance> instances,
            @Nullable ServiceName caller) {
        final ObjectNode answer = Stat.MAPPER.createObjectNode();
        answer.put("service", name.value()).put("method", httpMethod.name()).put("path", path);
        if (caller != null) {
            answer.put("caller", caller.value());
        } else {
            answer.putNull("caller");
        }
        answer.put("routesIndex", routes.index()).put("policyIndex", policy.index());
        answer.put("instances", instances.size());

        // Routing: the same first-match the client's ROUTING layer and the server's layers run.
        final RouteConfig config = routes.routes() != null ? routes.routes() : RouteConfig.EMPTY;
        final @Nullable RouteRule rule =
                config.match(httpMethod, path, requestHeaders).orElse(null);
        final @Nullable JsonNode ruleJson = rule == null ? null : wire(rule);
        if (rule == null || ruleJson == null) {
            answer.putNull("rule");
        } else {
            answer.putObject("rule")
                    .put("name", rule.name())
                    .put("index", config.rules().indexOf(rule))
                    .set("match", ruleJson.path("match"));
        }
        final ArrayNode split = answer.putArray("split");
        if (rule != null) {
            for (WeightedSubset share : rule.split()) {
                final ObjectNode node = split.addObject();
                node.putPOJO("subset", share.subset().labels());
                node.put("weight", share.weight());
                node.put("instances", count(instances, share.subset()));
            }
        }
        if (rule != null && rule.fallback() != null) {
            final ObjectNode fallback = answer.putObject("fallback");
            fallback.putPOJO("subset", rule.fallback().labels());
            fallback.put("instances", count(instances, rule.fallback()));
        } else {
            answer.putNull("fallback");
        }
        for (String part : List.of(
                "timeout",
                "perAttemptTimeout",
                "retry",
                "hedge",
                "fault",
                "rateLimit",
                "concurrencyLimit",
                "outlier")) {
            final @Nullable JsonNode value = ruleJson != null ? ruleJson.get(part) : null;
            if (value == null) {
                answer.putNull(part);
            } else {
                answer.set(part, value);
            }
        }
        // Quotas: each one that covers the rule and caller, as the server's quota gate takes a token from each.
        final ArrayNode quotas = answer.putArray("quotas");
        final JsonNode configJson = Stat.MAPPER.valueToTree(wireConfig(config));
        for (int i = 0; i < config.quotas().size(); i++) {
            if (config.quotas()
                    .get(i)
                    .covers(rule != null ? rule.name() : null, caller != null ? caller.value() : null)) {
                quotas.add(configJson.path("quotas").get(i));
            }
        }

        // Authorization: the decision the server's AUTHZ layer makes, by the same code.
        final DefaultPolicy meshDefault = policy.meshDefault() != null ? policy.meshDefault() : DefaultPolicy.ALLOW;
        final String routePattern = routePattern(policy.policy());
        final AccessDecision decision = AccessDecision.decide(
                policy.policy(),
                AccessDecision.Fallback.of(name, policy.policy(), meshDefault),
                null,
                AccessRule.normalize(routePattern),
                httpMethod,
                caller);
        final ObjectNode authz = answer.putObject("authorization");
        authz.put("allowed", decision.allowed())
                .put("decidedBy", decidedBy(decision.source()))
                .put("route", routePattern)
                .put("meshDefault", meshDefault.value());
        if (decision.allowed()) {
            authz.putNull("reason");
        } else {
            authz.put("reason", decision.reason());
        }
        final ArrayNode notes = answer.putArray("notes");
        if (decision.source() == AccessDecision.Source.DEFAULT) {
            notes.add("no rule of the registry's access policy covers " + httpMethod + " " + routePattern
                    + ": an @AllowCallers on that route in " + name + "'s code would decide before the default");
        }
        if (rule == null || ruleJson == null || hasUnset(ruleJson)) {
            notes.add("what the registry's rule does not set comes from the route's annotations in the code, else "
                    + "the client's and server's defaults; the registry cannot see those");
        }
        return answer;
    }

    private static boolean hasUnset(JsonNode rule) {
        return !rule.has("timeout") || !rule.has("retry") || rule.path("route").isEmpty();
    }

    private static String decidedBy(AccessDecision.Source source) {
        return switch (source) {
            case REGISTRY_POLICY -> "registry-policy";
            case ANNOTATION -> "annotation";
            case DEFAULT -> "default";
        };
    }

    /**
     * The route as the service declares it, which policies name: {@code --route}, else the first pattern of the
     * policy's rules that the path fits ({@code /orders/{id}} fits {@code /orders/42}), else the path itself (an
     * exact route).
     */
    private String routePattern(@Nullable AccessPolicy policy) {
        if (route != null) {
            return route;
        }
        if (policy != null) {
            for (AccessRule rule : policy.rules()) {
                for (String pattern : new TreeSet<>(rule.routes())) {
                    if (fits(AccessRule.normalize(pattern), path)) {
                        return pattern;
                    }
                }
            }
        }
        return path;
    }

    /** Whether {@code path} fits a pattern in Armeria's form: equal segments, {@code :name} any one segment. */
    static boolean fits(String pattern, String path) {
        final String[] want = pattern.split("/", -1);
        final String[] have = path.split("/", -1);
        if (want.length != have.length) {
            return false;
        }
        for (int i = 0; i < want.length; i++) {
            final boolean parameter = want[i].startsWith(":") && !have[i].isEmpty();
            if (!parameter && !want[i].equals(have[i])) {
                return false;
            }
        }
        return true;
    }

    private static long count(List<Instance> instances, Subset subset) {
        return instances.stream()
                .filter(instance -> subset.contains(instance.metadata()))
                .count();
    }

    /** A rule as the route config's JSON writes it, so that explain speaks the config's words. */
    private static JsonNode wire(RouteRule rule) {
        return wireConfig(new RouteConfig(List.of(rule))).path("rules").get(0);
    }

    private static JsonNode wireConfig(RouteConfig config) {
        try {
            return Stat.MAPPER.readTree(RouteJson.write(config));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void printTable(ObjectNode answer, PrintWriter out) {
        final Map<String, String> rows = new LinkedHashMap<>();
        final JsonNode caller = answer.path("caller");
        rows.put(
                "REQUEST",
                answer.path("method").asText() + " " + answer.path("path").asText() + " to "
                        + answer.path("service").asText() + " from "
                        + (caller.isNull() ? "a caller without a mesh identity" : caller.asText()));
        rows.put(
                "IN FORCE",
                "route config at index " + answer.path("routesIndex").asLong() + ", access policy at index "
                        + answer.path("policyIndex").asLong() + ", "
                        + answer.path("instances").asInt()
                        + " instance(s)");
        final JsonNode rule = answer.path("rule");
        rows.put(
                "RULE",
                rule.isNull()
                        ? "none matches: the route's annotations, else the defaults"
                        : rule.path("name").asText() + " (rules["
                                + rule.path("index").asInt() + "]), match " + rule.path("match"));
        final JsonNode split = answer.path("split");
        if (split.isEmpty()) {
            rows.put("SPLIT", "none: every instance");
        } else {
            final List<String> shares = new ArrayList<>();
            for (JsonNode share : split) {
                shares.add(share.path("subset") + " " + share.path("weight").asInt() + "% ("
                        + share.path("instances").asLong() + " instance(s))");
            }
            rows.put("SPLIT", String.join(", ", shares));
        }
        final JsonNode fallback = answer.path("fallback");
        if (!fallback.isNull()) {
            rows.put(
                    "FALLBACK",
                    fallback.path("subset") + " (" + fallback.path("instances").asLong() + " instance(s))");
        }
        for (String part : List.of(
                "timeout",
                "perAttemptTimeout",
                "retry",
                "hedge",
                "fault",
                "rateLimit",
                "concurrencyLimit",
                "outlier")) {
            final JsonNode value = answer.path(part);
            rows.put(label(part), value.isNull() ? NOT_SET : value.isTextual() ? value.asText() : value.toString());
        }
        final JsonNode quotas = answer.path("quotas");
        rows.put("QUOTAS", quotas.isEmpty() ? "none" : quotas.toString());
        final JsonNode authz = answer.path("authorization");
        rows.put(
                "AUTHORIZATION",
                (authz.path("allowed").asBoolean() ? "ALLOWED" : "DENIED") + " by the "
                        + switch (authz.path("decidedBy").asText()) {
                            case "registry-policy" -> "access policy in the registry";
                            case "annotation" -> "@AllowCallers annotation";
                            default -> "default (" + authz.path("meshDefault").asText() + " mesh-wide)";
                        }
                        + " for route " + authz.path("route").asText()
                        + (authz.path("reason").isNull()
                                ? ""
                                : ": " + authz.path("reason").asText()));
        for (JsonNode note : answer.path("notes")) {
            rows.merge("NOTE", note.asText(), (a, b) -> a + "; " + b);
        }
        rows.forEach((key, value) -> out.printf("%-20s %s%n", key, value));
    }

    private static String label(String part) {
        return switch (part) {
            case "perAttemptTimeout" -> "PER-ATTEMPT TIMEOUT";
            case "rateLimit" -> "RATE LIMIT";
            case "concurrencyLimit" -> "CONCURRENCY LIMIT";
            case "fault" -> "FAULTS";
            default -> part.toUpperCase(java.util.Locale.ROOT);
        };
    }
}
