package io.mesh4j.registry.api;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;

import io.mesh4j.core.registry.ErrorBody;
import io.mesh4j.core.registry.ErrorCode;
import io.mesh4j.core.registry.InstancesSnapshot;
import io.mesh4j.core.registry.RegistryClient;
import io.mesh4j.core.registry.RegistryJson;

/** The registry's answers, all JSON. */
final class JsonResponses {

    static HttpResponse ok(byte[] json) {
        return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, json);
    }

    static HttpResponse index(long index) {
        return ok(RegistryJson.writeIndex(index));
    }

    /** A watch answer, with its index also in the header, so that a client can read it without the body. */
    static HttpResponse snapshot(InstancesSnapshot snapshot) {
        final ResponseHeaders headers = ResponseHeaders.builder(HttpStatus.OK)
                                                       .contentType(MediaType.JSON_UTF_8)
                                                       .set(RegistryClient.INDEX_HEADER,
                                                            Long.toString(snapshot.index()))
                                                       .build();
        return HttpResponse.of(headers, HttpData.wrap(RegistryJson.writeSnapshot(snapshot)));
    }

    static HttpResponse error(ErrorCode code, String message) {
        return error(code.status(), ErrorBody.of(code, message)).toHttpResponse();
    }

    static AggregatedHttpResponse error(HttpStatus status, ErrorBody body) {
        return AggregatedHttpResponse.of(status, MediaType.JSON_UTF_8, RegistryJson.writeError(body));
    }

    private JsonResponses() {}
}
