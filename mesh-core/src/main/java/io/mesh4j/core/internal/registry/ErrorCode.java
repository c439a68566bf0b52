package io.mesh4j.core.internal.registry;

import com.linecorp.armeria.common.HttpStatus;

/**
 * The {@code error} field of the mesh's error bodies, the registry's and the layers' refusals alike: a stable
 * code a program can switch on, beside a message written for people.
 */
public enum ErrorCode {
    /** A service name or instance id in the path is not valid. */
    INVALID_NAME(HttpStatus.BAD_REQUEST),
    /** The body is not JSON, is cut short, or is not one JSON object. */
    INVALID_JSON(HttpStatus.BAD_REQUEST),
    /** The body has a field the contract does not know; usually a misspelling. */
    UNKNOWN_FIELD(HttpStatus.BAD_REQUEST),
    /** A field has the wrong type or a value out of range. */
    INVALID_FIELD(HttpStatus.BAD_REQUEST),
    /** A query parameter such as {@code index} or {@code wait} does not parse. */
    INVALID_QUERY(HttpStatus.BAD_REQUEST),
    /** The body is larger than the registry accepts. */
    BODY_TOO_LARGE(HttpStatus.REQUEST_ENTITY_TOO_LARGE),
    /** The caller did not say who it is: no client certificate, no token. */
    UNAUTHENTICATED(HttpStatus.UNAUTHORIZED),
    /** A join token that is unknown, used up, revoked or expired. */
    INVALID_TOKEN(HttpStatus.UNAUTHORIZED),
    /** The caller is known but may not do this, such as register an instance of another service. */
    FORBIDDEN(HttpStatus.FORBIDDEN),
    /** The caller's certificate was revoked ({@code meshctl cert revoke}): it can no longer renew or call. */
    REVOKED(HttpStatus.FORBIDDEN),
    /** A certificate request that is malformed, has a weak key, or does not ask for one SPIFFE ID. */
    INVALID_CSR(HttpStatus.BAD_REQUEST),
    /** The request is valid but clashes with the registry's state, such as a second CA rotation at once. */
    CONFLICT(HttpStatus.CONFLICT),
    /** The content type is not JSON. */
    UNSUPPORTED_MEDIA_TYPE(HttpStatus.UNSUPPORTED_MEDIA_TYPE),
    /** No such service, instance or route; a heartbeat for an expired instance answers this. */
    NOT_FOUND(HttpStatus.NOT_FOUND),
    /** The path exists but not with this method. */
    METHOD_NOT_ALLOWED(HttpStatus.METHOD_NOT_ALLOWED),
    /** The registry failed; nothing was stored. */
    INTERNAL(HttpStatus.INTERNAL_SERVER_ERROR),
    /** The registry is starting or stopping. */
    UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE),
    /** A route's rate limit refused the request; the {@code Retry-After} header says when to try again. */
    RATE_LIMITED(HttpStatus.TOO_MANY_REQUESTS),
    /**
     * A mesh-wide quota refused the request: the service as a whole has no capacity left for it, so another
     * instance would refuse it too; {@code Retry-After} says when to try again.
     */
    QUOTA_EXCEEDED(HttpStatus.TOO_MANY_REQUESTS),
    /** A route's concurrency limit shed the request before any work: another instance may take it. */
    OVERLOADED(HttpStatus.SERVICE_UNAVAILABLE),
    /** The subset a route sends the request to has no instance now, and the route names no fallback. */
    NO_ROUTE(HttpStatus.SERVICE_UNAVAILABLE);

    private final HttpStatus status;

    ErrorCode(HttpStatus status) {
        this.status = status;
    }

    /** The HTTP status the registry answers with this code. */
    public HttpStatus status() {
        return status;
    }

    /** The code as it appears on the wire, such as {@code invalid_field}. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
