package io.mesh4j.core.internal.registry;

import static java.util.Objects.requireNonNull;

/**
 * The registry answered a call with an error.
 */
public final class RegistryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final ErrorBody body;

    public RegistryException(int status, ErrorBody body) {
        super(status + " " + body.error() + ": " + body.message());
        this.status = status;
        this.body = requireNonNull(body, "body");
    }

    public int status() {
        return status;
    }

    public ErrorBody body() {
        return body;
    }

    /**
     * Whether the request clashed with the registry's state (409 {@code conflict}). For a write that named the
     * index it read, what it would replace changed since: read again, and redo the change on what is in force.
     */
    public boolean isConflict() {
        return status == 409;
    }
}
