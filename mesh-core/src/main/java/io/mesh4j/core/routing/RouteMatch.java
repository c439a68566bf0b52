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
 * <pre>{@code
 * new RouteMatch(PathMatch.of(PathMatch.Kind.PREFIX, "/orders"), Set.of(HttpMethod.GET), Map.of("x-beta", "1"))
 * }</pre>
 *
 * @param path how the path must match; {@code null} for every path
 * @param methods the methods matched; empty for every method
 * @param headers header names (lower case) and the exact values they must have; empty for any headers
 */
public record RouteMatch(@Nullable PathMatch path, Set<HttpMethod> methods, Map<String, String> headers) {

    /** Matches every request. */
    public static final RouteMatch ALL = new RouteMatch(null, Set.of(), Map.of());

    /**
     * Copies the methods and headers.
     *
     * @param path see {@link #path()}
     * @param methods see {@link #methods()}
     * @param headers see {@link #headers()}
     * @throws NullPointerException if {@code methods} or {@code headers} is {@code null} or holds a {@code null}
     */
    public RouteMatch {
        methods = Set.copyOf(requireNonNull(methods, "methods"));
        headers = Map.copyOf(requireNonNull(headers, "headers"));
    }

    /**
     * Returns whether the request matches every part.
     *
     * @param method the request's method
     * @param path the request's path, without the query
     * @param requestHeaders the request's headers
     * @return {@code true} if it matches
     */
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
