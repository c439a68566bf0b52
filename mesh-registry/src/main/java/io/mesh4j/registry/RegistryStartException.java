package io.mesh4j.registry;

/**
 * The registry could not start; the message says what to change (the port, the data directory) and is meant to
 * be shown to a person as it is.
 */
public final class RegistryStartException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Makes the exception.
     *
     * @param message what to change, for a person
     * @param cause what failed underneath
     */
    public RegistryStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
