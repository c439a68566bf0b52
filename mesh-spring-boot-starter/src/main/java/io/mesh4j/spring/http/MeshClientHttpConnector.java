package io.mesh4j.spring.http;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.util.function.Function;

import org.springframework.http.HttpMethod;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.http.client.reactive.ClientHttpRequest;
import org.springframework.http.client.reactive.ClientHttpResponse;

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.discovery.ServiceName;
import reactor.core.publisher.Mono;

/**
 * Spring's reactive client requests ({@code WebClient}'s) through a {@link MeshClient}: the host of
 * {@code http://orders/orders/7} is the service called, and the path and query are sent to one of its instances
 * through the whole outbound stack (discovery, balancing, routing, retries, timeouts, breakers, mTLS, the client
 * span and metrics). The port and scheme are not used: the mesh knows where the service is and how to reach it.
 *
 * <p>The request's body is buffered and sent whole, so that the mesh can retry or hedge it; the answer's body is
 * streamed as it comes, and nothing blocks. An answer, whatever its status, is the response; a call the mesh gave
 * up on (no instance, every breaker open, the deadline passed, no instance reachable) fails with a
 * {@link io.mesh4j.client.typed.MeshUnavailableException}. {@code WebClient} wraps what a connector fails with in a
 * {@code WebClientRequestException}; a builder marked {@link ThroughMesh} has a filter that takes the mesh's
 * exception out again, so that a Spring MVC or WebFlux application answers it with a 503.
 *
 * <p>The mesh's client span is a child of the span current when the request is sent: in a Spring MVC controller
 * that blocks on the answer, the controller's span.
 *
 * <pre>{@code
 * WebClient orders = WebClient.builder().clientConnector(new MeshClientHttpConnector(meshClient)).build();
 * }</pre>
 */
public final class MeshClientHttpConnector implements ClientHttpConnector {

    private final MeshClient mesh;

    /**
     * Returns a connector that sends requests through {@code mesh}.
     *
     * @param mesh the application's mesh client
     */
    public MeshClientHttpConnector(MeshClient mesh) {
        this.mesh = requireNonNull(mesh, "mesh");
    }

    /**
     * Sends a request to the service that {@code uri}'s host names, once {@code requestCallback} has written it.
     *
     * @param method the method
     * @param uri such as {@code http://orders/orders/7?expand=true}
     * @param requestCallback writes the request's headers and body
     * @return the response once its headers came; an {@link IllegalArgumentException} if the host is not a service
     *     name (a DNS-1123 label), a {@code MeshUnavailableException} if the mesh gave up on the call
     */
    @Override
    public Mono<ClientHttpResponse> connect(
            HttpMethod method, URI uri, Function<? super ClientHttpRequest, Mono<Void>> requestCallback) {
        requireNonNull(method, "method");
        requireNonNull(uri, "uri");
        requireNonNull(requestCallback, "requestCallback");
        return Mono.defer(() -> {
            final ServiceName service = MeshRequests.service(uri);
            final MeshReactiveRequest request = new MeshReactiveRequest(mesh.webClient(service), service, method, uri);
            return requestCallback.apply(request).then(Mono.defer(request::send));
        });
    }

    @Override
    public String toString() {
        return "MeshClientHttpConnector(" + mesh + ')';
    }
}
