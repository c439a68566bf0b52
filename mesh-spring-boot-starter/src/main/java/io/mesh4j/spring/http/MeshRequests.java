package io.mesh4j.spring.http;

import java.net.URI;
import java.util.Locale;
import java.util.Set;

import io.mesh4j.core.discovery.ServiceName;

/**
 * What Spring's requests through the mesh ({@code RestClient}'s and {@code WebClient}'s) share: the service is the
 * URL's host, its scheme and port are not used, and the connection's headers are left to Armeria.
 */
final class MeshRequests {

    /** Headers of the connection, not of the request: Armeria writes its own for the instance it picks. */
    private static final Set<String> CONNECTION_HEADERS =
            Set.of("host", "content-length", "connection", "transfer-encoding", "keep-alive", "upgrade");

    private MeshRequests() {}

    /**
     * The service that {@code uri}'s host names.
     *
     * @throws IllegalArgumentException if the host is not a service name (a DNS-1123 label)
     */
    static ServiceName service(URI uri) {
        final String host = uri.getHost();
        try {
            return ServiceName.of(host == null ? "" : host);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "uri: " + uri + " (expected: http://<service>/path, the service a DNS-1123 label such as orders: "
                            + e.getMessage() + ')',
                    e);
        }
    }

    /** The path and query of {@code uri}, as sent to the instance: {@code /} when it has no path. */
    static String pathAndQuery(URI uri) {
        final String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        return uri.getRawQuery() == null ? path : path + '?' + uri.getRawQuery();
    }

    /** Whether {@code name} is a header of the connection, which is not copied to the request sent. */
    static boolean isConnectionHeader(String name) {
        return CONNECTION_HEADERS.contains(name.toLowerCase(Locale.ROOT));
    }
}
