package io.mesh4j.spring.http;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.ClientHttpResponse;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;

import io.mesh4j.client.internal.typed.GiveUps;
import io.mesh4j.core.discovery.ServiceName;

/**
 * One request through the mesh, buffered until executed; see {@link MeshClientHttpRequestFactory}. It implements
 * the interface rather than extending Spring's buffering base class, which is not public on Spring Framework 6.
 */
final class MeshClientHttpRequest implements ClientHttpRequest {

    private final WebClient client;
    private final ServiceName service;
    private final HttpMethod method;
    private final URI uri;
    private final HttpHeaders headers = new HttpHeaders();
    private final Map<String, Object> attributes = new LinkedHashMap<>();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private boolean executed;

    MeshClientHttpRequest(WebClient client, ServiceName service, HttpMethod method, URI uri) {
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
    public HttpHeaders getHeaders() {
        return headers;
    }

    @Override
    public Map<String, Object> getAttributes() {
        return attributes;
    }

    @Override
    public OutputStream getBody() {
        checkNotExecuted();
        return body;
    }

    @Override
    public ClientHttpResponse execute() {
        checkNotExecuted();
        executed = true;
        final byte[] content = body.toByteArray();
        final MeshRequests.Sent sent =
                MeshRequests.send(client, MeshRequests.armeriaHeaders(method, uri, headers), content);
        final AggregatedHttpResponse answer;
        try {
            answer = sent.response().aggregate().join();
        } catch (CompletionException e) {
            throw GiveUps.unavailable(method.name() + ' ' + uri, service, sent.ctx(), e);
        }
        return new MeshClientHttpResponse(answer);
    }

    private void checkNotExecuted() {
        if (executed) {
            throw new IllegalStateException(method + " " + uri + ": executed already");
        }
    }
}
