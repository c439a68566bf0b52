package io.mesh4j.registry.internal.store;

import java.io.IOException;

/**
 * A store cannot be opened or used, for a reason a person must act on; the message says what to change.
 */
public final class StoreException extends IOException {

    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
