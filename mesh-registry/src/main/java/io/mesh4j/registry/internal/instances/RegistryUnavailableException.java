package io.mesh4j.registry.internal.instances;

import static java.util.Objects.requireNonNull;

/**
 * The registry cannot accept a change now: it is stopping, or its store failed and it refuses changes until it
 * is restarted. The message says which.
 */
public final class RegistryUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public RegistryUnavailableException(String message) {
        super(message, null, false, false);
    }

    /** The message the constructor was given, never null. */
    @Override
    public String getMessage() {
        return requireNonNull(super.getMessage());
    }
}
