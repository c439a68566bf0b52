package io.mesh4j.spring.http;

import java.net.HttpCookie;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseCookie;
import org.springframework.http.client.reactive.ClientHttpResponse;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.stream.StreamMessage;

import reactor.core.publisher.Flux;

/** The answer of a {@code WebClient} request through the mesh: its headers, and its body streamed as it comes. */
final class MeshReactiveResponse implements ClientHttpResponse {

    private final ResponseHeaders answer;
    private final StreamMessage<HttpData> body;
    private final DataBufferFactory buffers;
    private final HttpHeaders headers;

    MeshReactiveResponse(ResponseHeaders answer, StreamMessage<HttpData> body, DataBufferFactory buffers) {
        this.answer = answer;
        this.body = body;
        this.buffers = buffers;
        headers = MeshRequests.springHeaders(answer);
    }

    @Override
    public HttpStatusCode getStatusCode() {
        return HttpStatusCode.valueOf(answer.status().code());
    }

    @Override
    public HttpHeaders getHeaders() {
        return headers;
    }

    @Override
    public MultiValueMap<String, ResponseCookie> getCookies() {
        final MultiValueMap<String, ResponseCookie> cookies = new LinkedMultiValueMap<>();
        for (String header : answer.getAll(com.linecorp.armeria.common.HttpHeaderNames.SET_COOKIE)) {
            for (HttpCookie cookie : HttpCookie.parse(header)) {
                cookies.add(
                        cookie.getName(),
                        ResponseCookie.fromClientResponse(cookie.getName(), cookie.getValue())
                                .domain(cookie.getDomain())
                                .path(cookie.getPath())
                                .maxAge(cookie.getMaxAge())
                                .secure(cookie.getSecure())
                                .httpOnly(cookie.isHttpOnly())
                                .build());
            }
        }
        return cookies;
    }

    @Override
    public Flux<DataBuffer> getBody() {
        // Copied out of Armeria's buffer, so that Spring may keep or release the DataBuffer as it likes.
        return Flux.from(body).map(data -> buffers.wrap(data.array()));
    }
}
