package io.mesh4j.examples.springboot;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.client.WebClient;

/**
 * Reads the actuator of each application as an operator would, with {@code curl}, and prints the few lines that
 * matter of it: the mesh health, the stacks, the endpoints known and the route config in force.
 */
final class ActuatorReport {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintStream out;

    ActuatorReport(PrintStream out) {
        this.out = out;
    }

    void shop(String url) throws Exception {
        final JsonNode health = get(url, "/actuator/health").path("components").path("mesh");
        final JsonNode details = health.path("details");
        out.println("$ curl " + url + "/actuator/health    (the mesh part)");
        out.println("  " + health.path("status").asText() + " · "
                + details.path("identity").path("spiffeId").asText()
                + " · certificate expires in "
                + human(details.path("identity").path("certificateExpiresIn").asText())
                + " · registry "
                + (details.path("registry").path("reachable").asBoolean() ? "reachable" : "NOT reachable")
                + " · endpoints known " + details.path("endpoints"));

        final JsonNode client = get(url, "/actuator/mesh").path("client");
        out.println("$ curl " + url + "/actuator/mesh");
        out.println("  outbound stack      " + join(client.path("stack")));
        final JsonNode catalog = client.path("services").path("catalog");
        final List<String> endpoints = new ArrayList<>();
        for (JsonNode endpoint : catalog.path("endpoints")) {
            endpoints.add(endpoint.path("instanceId").asText() + " "
                    + endpoint.path("address").asText());
        }
        out.println("  catalog endpoints   " + String.join(", ", endpoints));
        final JsonNode routes = catalog.path("routeConfig");
        out.println("  catalog routes      " + routes.path("source").asText() + ", index "
                + routes.path("index").asText());
        for (JsonNode rule : routes.path("rules")) {
            out.println("                      " + compact(rule));
        }
    }

    void catalog(String url, String instance) throws Exception {
        final JsonNode server = get(url, "/actuator/mesh").path("server");
        out.println("$ curl " + url + "/actuator/mesh    (" + instance + ")");
        out.println("  inbound stack       " + join(server.path("stack")));
        final JsonNode routes = server.path("routeConfig");
        out.println(
                "  registry's rules    " + routes.path("registry").path("rules").size() + " ("
                        + routes.path("registry").path("source").asText() + ")");
        for (JsonNode rule : routes.path("annotations")) {
            final ObjectNode policy = ((ObjectNode) rule.deepCopy());
            policy.remove(List.of("route", "method"));
            out.println("  annotations         " + rule.path("route").asText() + "  "
                    + rule.path("method").asText() + "  " + policy);
        }
    }

    private static JsonNode get(String url, String path) throws Exception {
        return JSON.readTree(WebClient.of(url).get(path).aggregate().join().contentUtf8());
    }

    private static String join(JsonNode names) {
        final List<String> parts = new ArrayList<>();
        names.forEach(name -> parts.add(name.asText()));
        return String.join(" → ", parts);
    }

    /** A rule on one line, without the parts it leaves empty. */
    private static String compact(JsonNode rule) {
        final ObjectNode copy = rule.deepCopy();
        copy.remove(empty(copy));
        if (copy.get("match") instanceof ObjectNode match) {
            match.remove(empty(match));
        }
        return copy.toString();
    }

    private static List<String> empty(ObjectNode node) {
        final List<String> names = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (field.getValue().isContainerNode() && field.getValue().isEmpty()) {
                names.add(field.getKey());
            }
        }
        return names;
    }

    /** {@code PT23H59M58S} as {@code 23h59m}. */
    private static String human(String iso) {
        try {
            final Duration duration = Duration.parse(iso);
            return duration.toHours() + "h" + String.format("%02dm", duration.toMinutesPart());
        } catch (RuntimeException e) {
            return iso;
        }
    }
}
