package io.mesh4j.core.routing;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpMethod;

/**
 * Which requests a rule is for: all of path, methods and headers must match; an absent part matches everything.
 *
 * @param headers header names (lower case) and the exact values they must have
 */
public record RouteMatch(@Nullable PathMatch path, Set<HttpMethod> methods, Map<String, String> headers) {

    public static final RouteMatch ALL = new RouteMatch(null, Set.of(), Map.of());

    public RouteMatch {
        methods = Set.copyOf(requireNonNull(methods, "methods"));
        headers = Map.copyOf(requireNonNull(headers, "headers"));
    }

    public boolean matches(HttpMethod method, String path, HttpHeaders requestHeaders) {
        if (this.path != null && !this.path.matches(path)) {
            return false;
        }
        if (!methods.isEmpty() && !methods.contains(method)) {
            return false;
        }
        for (Map.Entry<String, String> header : headers.entrySet()) {
            if (!header.getValue().equals(requestHeaders.get(header.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
