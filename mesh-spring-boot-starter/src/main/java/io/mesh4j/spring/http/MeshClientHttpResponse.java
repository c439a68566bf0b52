package io.mesh4j.spring.http;

import java.io.ByteArrayInputStream;
import java.io.InputStream;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.ClientHttpResponse;

import com.linecorp.armeria.common.AggregatedHttpResponse;

/** The whole answer of a request through the mesh. */
final class MeshClientHttpResponse implements ClientHttpResponse {

    private final AggregatedHttpResponse answer;
    private final HttpHeaders headers;

    MeshClientHttpResponse(AggregatedHttpResponse answer) {
        this.answer = answer;
        headers = MeshRequests.springHeaders(answer.headers());
    }

    @Override
    public HttpStatusCode getStatusCode() {
        return HttpStatusCode.valueOf(answer.status().code());
    }

    @Override
    public String getStatusText() {
        return answer.status().reasonPhrase();
    }

    @Override
    public HttpHeaders getHeaders() {
        return headers;
    }

    @Override
    public InputStream getBody() {
        return new ByteArrayInputStream(answer.content().array());
    }

    @Override
    public void close() {
        // The answer is in memory already: nothing is held open.
    }
}
