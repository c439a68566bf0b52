package io.mesh4j.spring.http;

import java.net.URI;
import java.util.List;
import java.util.stream.Collectors;

import org.reactivestreams.Publisher;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.reactive.AbstractClientHttpRequest;
import org.springframework.http.client.reactive.ClientHttpResponse;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.SplitHttpResponse;

import io.mesh4j.client.internal.typed.GiveUps;
import io.mesh4j.core.discovery.ServiceName;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One {@code WebClient} request through the mesh: written by Spring into a buffer, then sent whole; see
 * {@link MeshClientHttpConnector}.
 */
final class MeshReactiveRequest extends AbstractClientHttpRequest {

    private static final DataBufferFactory BUFFERS = DefaultDataBufferFactory.sharedInstance;

    private final WebClient client;
    private final ServiceName service;
    private final HttpMethod method;
    private final URI uri;
    /** The body as written: set on whichever thread Spring's encoder finishes on, read when the request is sent. */
    private volatile byte[] content = new byte[0];

    MeshReactiveRequest(WebClient client, ServiceName service, HttpMethod method, URI uri) {
        this.client = client;
        this.service = service;
        this.method = method;
        this.uri = uri;
    }

    @Override
    public HttpMethod getMethod() {
        return method;
    }

    @Override
    public URI getURI() {
        return uri;
    }

    @Override
    public DataBufferFactory bufferFactory() {
        return BUFFERS;
    }

    /** The headers Armeria is to send, as they stand: what this request would be on the wire. */
    @Override
    @SuppressWarnings("unchecked")
    public <T> T getNativeRequest() {
        return (T) armeriaHeaders();
    }

    @Override
    public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
        return doCommit(() -> DataBufferUtils.join(body)
                .doOnNext(joined -> {
                    final byte[] bytes = new byte[joined.readableByteCount()];
                    joined.read(bytes);
                    DataBufferUtils.release(joined);
                    content = bytes;
                })
                .then());
    }

    @Override
    public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
        return writeWith(Flux.from(body).concatMap(Flux::from));
    }

    @Override
    public Mono<Void> setComplete() {
        return doCommit();
    }

    @Override
    protected void applyHeaders() {
        // Read when the request is sent.
    }

    @Override
    protected void applyCookies() {
        final String cookies = getCookies().values().stream()
                .flatMap(List::stream)
                .map(HttpCookie::toString)
                .collect(Collectors.joining("; "));
        if (!cookies.isEmpty()) {
            getHeaders().add(HttpHeaders.COOKIE, cookies);
        }
    }

    /** Sends the request as written, and answers with the response once its headers come. */
    Mono<ClientHttpResponse> send() {
        final MeshRequests.Sent sent = MeshRequests.send(client, armeriaHeaders(), content);
        final HttpResponse response = sent.response();
        final SplitHttpResponse split = response.split();
        return Mono.fromFuture(split.headers())
                .<ClientHttpResponse>map(answer -> new MeshReactiveResponse(answer, split.body(), BUFFERS))
                .onErrorMap(e -> GiveUps.unavailable(method.name() + ' ' + uri, service, sent.ctx(), e))
                .doOnCancel(response::abort);
    }

    private RequestHeaders armeriaHeaders() {
        return MeshRequests.armeriaHeaders(method, uri, getHeaders());
    }
}
