package io.mesh4j.client.typed;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpStatus;

/**
 * A typed client's call answered with a status other than 2xx; the response is kept whole for the caller. A
 * method that returns its answer throws it; a method that returns a {@code CompletableFuture} completes it
 * exceptionally with it. A method that returns {@code AggregatedHttpResponse} gets every answer as it is, and
 * never this exception.
 *
 * <pre>{@code
 * try {
 *     Order order = orders.order("42");
 * } catch (MeshCallException e) {
 *     if (e.status() == HttpStatus.NOT_FOUND) { ... }
 * }
 * }</pre>
 */
public final class MeshCallException extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private static final int MAX_BODY_IN_MESSAGE = 300;

    private final transient AggregatedHttpResponse response;
    /** How many attempts were made, retries and hedges included. */
    private final int attempts;

    /**
     * Makes the exception of a call and its answer, after one attempt; its message names the call, the status and
     * the first 300 characters of the body.
     *
     * @param call the call, such as {@code OrdersClient.order(String)}
     * @param response the whole answer
     */
    public MeshCallException(String call, AggregatedHttpResponse response) {
        this(call, response, 1);
    }

    /**
     * Makes the exception of a call and its last attempt's answer; its message names the call, the status, the
     * attempts when there was more than one, and the first 300 characters of the body.
     *
     * @param call the call, such as {@code OrdersClient.order(String)}
     * @param response the whole answer
     * @param attempts how many attempts were made, retries and hedges included
     */
    public MeshCallException(String call, AggregatedHttpResponse response, int attempts) {
        super(call + " answered " + response.status() + (attempts > 1 ? " after " + attempts + " attempts" : "") + ": "
                + abbreviate(response.contentUtf8()));
        this.response = requireNonNull(response, "response");
        this.attempts = attempts;
    }

    /**
     * Returns how many attempts were made, retries and hedges included: a 5xx answer after several means the mesh
     * retried it as far as its policy and budget allowed.
     *
     * @return at least 1
     */
    public int attempts() {
        return attempts;
    }

    /**
     * Returns the status of the answer.
     *
     * @return a status other than 2xx
     */
    public HttpStatus status() {
        return response.status();
    }

    /**
     * Returns the whole answer: headers, body and trailers.
     *
     * @return the response; {@code null} once the exception has been serialized and read back, since the response
     *     is not serializable
     */
    public AggregatedHttpResponse response() {
        return response;
    }

    private static String abbreviate(String body) {
        return body.length() <= MAX_BODY_IN_MESSAGE ? body : body.substring(0, MAX_BODY_IN_MESSAGE) + "...";
    }
}
