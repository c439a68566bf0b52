package io.mesh4j.client.typed;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpStatus;

/**
 * A typed client's call answered with a status other than 2xx; the response is kept whole for the caller.
 */
public final class MeshCallException extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private static final int MAX_BODY_IN_MESSAGE = 300;

    private final transient AggregatedHttpResponse response;

    public MeshCallException(String call, AggregatedHttpResponse response) {
        super(call + " answered " + response.status() + ": " + abbreviate(response.contentUtf8()));
        this.response = requireNonNull(response, "response");
    }

    public HttpStatus status() {
        return response.status();
    }

    public AggregatedHttpResponse response() {
        return response;
    }

    private static String abbreviate(String body) {
        return body.length() <= MAX_BODY_IN_MESSAGE ? body : body.substring(0, MAX_BODY_IN_MESSAGE) + "...";
    }
}
