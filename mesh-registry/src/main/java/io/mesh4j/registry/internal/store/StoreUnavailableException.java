package io.mesh4j.registry.internal.store;

import static java.util.Objects.requireNonNull;

/**
 * A shared store (etcd) cannot be reached now, so a change cannot be made durable; the registry answers 503 with
 * the message, and the caller tries again (or another replica). Nothing was written, or the write's outcome is
 * unknown and trying again is safe.
 */
public final class StoreUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The message the constructor was given, never null. */
    @Override
    public String getMessage() {
        return requireNonNull(super.getMessage());
    }
}
