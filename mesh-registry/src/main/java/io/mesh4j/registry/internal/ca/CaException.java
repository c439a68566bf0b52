package io.mesh4j.registry.internal.ca;

import java.io.IOException;

/**
 * The CA's files cannot be used as they are; the message says what to change.
 */
public final class CaException extends IOException {

    private static final long serialVersionUID = 1L;

    public CaException(String message) {
        super(message);
    }
}
