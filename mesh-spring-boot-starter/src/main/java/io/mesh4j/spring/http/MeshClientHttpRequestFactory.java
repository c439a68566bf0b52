package io.mesh4j.spring.http;

import static java.util.Objects.requireNonNull;

import java.net.URI;

import org.springframework.http.HttpMethod;
import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.ClientHttpRequestFactory;

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.discovery.ServiceName;

/**
 * Spring's client requests through a {@link MeshClient}: the host of {@code http://orders/orders/7} is the service
 * called, and the path and query are sent to one of its instances through the whole outbound stack (discovery,
 * balancing, routing, retries, timeouts, breakers, mTLS, the client span and metrics). The port and scheme are not
 * used: the mesh knows where the service is and how to reach it.
 *
 * <p>A request is buffered and sent when executed, and its answer read whole: it blocks its thread, as
 * {@code RestClient} does, so call it where blocking is allowed (a Spring MVC controller, a task), not on an event
 * loop. An answer, whatever its status, is the response; a call the mesh gave up on (no instance, every breaker
 * open, the deadline passed, no instance reachable) throws a
 * {@link io.mesh4j.client.typed.MeshUnavailableException}, which a Spring MVC or WebFlux application answers with
 * a 503.
 *
 * <pre>{@code
 * RestClient orders = RestClient.builder().requestFactory(new MeshClientHttpRequestFactory(meshClient)).build();
 * }</pre>
 */
public final class MeshClientHttpRequestFactory implements ClientHttpRequestFactory {

    private final MeshClient mesh;

    /**
     * Returns a factory of requests through {@code mesh}.
     *
     * @param mesh the application's mesh client
     */
    public MeshClientHttpRequestFactory(MeshClient mesh) {
        this.mesh = requireNonNull(mesh, "mesh");
    }

    /**
     * Returns a request to the service that {@code uri}'s host names.
     *
     * @param uri such as {@code http://orders/orders/7?expand=true}
     * @param httpMethod the method
     * @return the request, sent when executed
     * @throws IllegalArgumentException if the host is not a service name (a DNS-1123 label)
     */
    @Override
    public ClientHttpRequest createRequest(URI uri, HttpMethod httpMethod) {
        requireNonNull(uri, "uri");
        requireNonNull(httpMethod, "httpMethod");
        final ServiceName service = MeshRequests.service(uri);
        return new MeshClientHttpRequest(mesh.webClient(service), service, httpMethod, uri);
    }

    @Override
    public String toString() {
        return "MeshClientHttpRequestFactory(" + mesh + ')';
    }
}
