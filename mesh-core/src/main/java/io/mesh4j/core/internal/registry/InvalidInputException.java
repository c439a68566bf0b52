package io.mesh4j.core.internal.registry;

import static java.util.Objects.requireNonNull;

/**
 * Input that breaks the registry contract. The message says what to change; the registry answers it with
 * the code's status and stores nothing.
 */
public final class InvalidInputException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public InvalidInputException(ErrorCode code, String message) {
        super(requireNonNull(message, "message"), null, false, false);
        this.code = requireNonNull(code, "code");
    }

    /** The message the constructor was given, never null. */
    @Override
    public String getMessage() {
        return requireNonNull(super.getMessage());
    }

    public ErrorCode code() {
        return code;
    }

    public ErrorBody toBody() {
        return ErrorBody.of(code, getMessage());
    }
}
