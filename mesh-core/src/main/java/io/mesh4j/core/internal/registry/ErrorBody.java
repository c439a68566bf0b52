package io.mesh4j.core.internal.registry;

import static java.util.Objects.requireNonNull;

/**
 * The body of every error the registry answers: {@code {"error": "<code>", "message": "<human text>"}}.
 */
public record ErrorBody(String error, String message) {

    public ErrorBody {
        requireNonNull(error, "error");
        requireNonNull(message, "message");
    }

    public static ErrorBody of(ErrorCode code, String message) {
        return new ErrorBody(code.wireName(), message);
    }
}
