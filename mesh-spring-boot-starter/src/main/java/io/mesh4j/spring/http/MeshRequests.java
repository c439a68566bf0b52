package io.mesh4j.spring.http;

import java.net.URI;
import java.util.Locale;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.ClientRequestContextCaptor;
import com.linecorp.armeria.client.Clients;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;

import io.mesh4j.core.discovery.ServiceName;

/**
 * What Spring's requests through the mesh ({@code RestClient}'s and {@code WebClient}'s) share: the service is the
 * URL's host, its scheme and port are not used, the connection's headers are left to Armeria, and a request is sent
 * whole, its context kept for the attempts the mesh made.
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

    /** The request's headers as Armeria sends them: the path and query of {@code uri}, the connection's left out. */
    static RequestHeaders armeriaHeaders(HttpMethod method, URI uri, HttpHeaders headers) {
        final RequestHeadersBuilder request = RequestHeaders.builder(
                com.linecorp.armeria.common.HttpMethod.valueOf(method.name()), pathAndQuery(uri));
        headers.forEach((name, values) -> {
            if (!isConnectionHeader(name)) {
                request.add(name, values);
            }
        });
        return request.build();
    }

    /** An answer's headers as Spring reads them: HTTP/2's pseudo-headers ({@code :status}) are not headers to it. */
    static HttpHeaders springHeaders(com.linecorp.armeria.common.HttpHeaders answer) {
        final HttpHeaders headers = new HttpHeaders();
        answer.forEach((name, value) -> {
            if (name.charAt(0) != ':') {
                headers.add(name.toString(), value);
            }
        });
        return headers;
    }

    /** Sends a request whole through {@code client}; see {@link Sent}. */
    static Sent send(WebClient client, RequestHeaders headers, byte[] body) {
        // The call's context, for its log: how many attempts the mesh made is said when it gives up.
        try (ClientRequestContextCaptor captor = Clients.newContextCaptor()) {
            final HttpResponse response = client.execute(
                    body.length == 0 ? HttpRequest.of(headers) : HttpRequest.of(headers, HttpData.wrap(body)));
            return new Sent(response, captor.getOrNull());
        }
    }

    /**
     * A request sent: its response, and its context, whose log counts the attempts when the mesh gives up.
     *
     * @param response the response, as it comes
     * @param ctx the call's context; null if none was made
     */
    record Sent(HttpResponse response, @Nullable ClientRequestContext ctx) {}
}
