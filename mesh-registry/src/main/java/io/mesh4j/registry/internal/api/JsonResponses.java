package io.mesh4j.registry.internal.api;

import java.nio.charset.StandardCharsets;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;

import io.mesh4j.core.internal.registry.ErrorBody;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.RegistryJson;
import io.mesh4j.registry.internal.instances.ServiceSnapshot;

/** The registry's answers, all JSON. */
final class JsonResponses {

    static HttpResponse ok(byte[] json) {
        return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, json);
    }

    /**
     * {@code {"index":N}}, the answer to every heartbeat, registration and removal, as {@link RegistryJson#writeIndex}
     * writes it, without building a JSON tree and a generator for it on every heartbeat.
     */
    static HttpResponse index(long index) {
        return ok(("{\"index\":" + index + '}').getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * A watch answer, with its index also in the header, so that a client can read it without the body. The body
     * is the snapshot's own, written once for every answer at its index.
     */
    static HttpResponse snapshot(ServiceSnapshot snapshot) {
        return indexed(snapshot.index(), snapshot.json());
    }

    /** A read or watch answer of {@code index}, with the index also in the {@code X-Mesh-Index} header. */
    static HttpResponse indexed(long index, HttpData json) {
        final ResponseHeaders headers = ResponseHeaders.builder(HttpStatus.OK)
                .contentType(MediaType.JSON_UTF_8)
                .set(RegistryClient.INDEX_HEADER, Long.toString(index))
                .build();
        return HttpResponse.of(headers, json);
    }

    static HttpResponse error(ErrorCode code, String message) {
        return error(code.status(), ErrorBody.of(code, message)).toHttpResponse();
    }

    static AggregatedHttpResponse error(HttpStatus status, ErrorBody body) {
        return AggregatedHttpResponse.of(status, MediaType.JSON_UTF_8, RegistryJson.writeError(body));
    }

    private JsonResponses() {}
}
