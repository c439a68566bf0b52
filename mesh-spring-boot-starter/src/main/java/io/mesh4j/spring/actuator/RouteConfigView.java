package io.mesh4j.spring.actuator;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.annotation.AnnotatedService;

import io.mesh4j.core.internal.annotation.AnnotatedRules;
import io.mesh4j.core.internal.registry.RouteJson;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteMatch;
import io.mesh4j.core.routing.RouteRule;

/**
 * Route configs as plain maps, in the very shape an operator writes them for {@code meshctl routes apply}, so that
 * what the actuator shows can be read against the file that was pushed.
 */
final class RouteConfigView {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {};

    private RouteConfigView() {}

    /**
     * A config the registry pushed, and the registry's index of it (-1 when it did not come from the registry).
     */
    static Map<String, Object> of(RouteConfig config, long index) {
        final Map<String, Object> view = new LinkedHashMap<>();
        view.put(
                "source",
                config.rules().isEmpty() ? "none in the registry: annotations and defaults apply" : "registry");
        if (index >= 0) {
            view.put("index", index);
        }
        view.putAll(wire(config));
        return view;
    }

    /**
     * The rules a server's policy annotations declare, per served route: what applies where the registry's config
     * says nothing.
     */
    static List<Map<String, Object>> annotations(List<ServiceConfig> services) {
        final List<Map<String, Object>> routes = new ArrayList<>();
        for (ServiceConfig service : services) {
            final @Nullable AnnotatedService annotated = service.service().as(AnnotatedService.class);
            if (annotated == null) {
                continue;
            }
            final @Nullable RouteRule rule =
                    AnnotatedRules.of(annotated.method(), annotated.serviceClass(), RouteMatch.ALL);
            if (rule == null) {
                continue;
            }
            final Map<String, Object> view = new LinkedHashMap<>();
            view.put(
                    "route",
                    String.join(
                                    ",",
                                    service.route().methods().stream()
                                            .map(Enum::name)
                                            .sorted()
                                            .toList())
                            + ' '
                            + service.route().patternString());
            view.put("method", rule.name());
            // The rule as a route config writes it, less what an annotation cannot say: a name, a match, a split.
            final Map<String, Object> written = firstRule(wire(new RouteConfig(List.of(rule))));
            written.remove("name");
            written.remove("match");
            written.remove("route");
            view.putAll(written);
            routes.add(view);
        }
        return routes;
    }

    private static Map<String, Object> wire(RouteConfig config) {
        try {
            return MAPPER.readValue(RouteJson.write(config), MAP);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> firstRule(Map<String, Object> config) {
        // RouteJson writes "rules" always.
        return new LinkedHashMap<>(((List<Map<String, Object>>) requireNonNull(config.get("rules"))).get(0));
    }
}
