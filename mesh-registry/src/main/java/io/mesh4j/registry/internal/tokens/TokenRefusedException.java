package io.mesh4j.registry.internal.tokens;

import static java.util.Objects.requireNonNull;

/**
 * A join token that cannot be used; the message says why (unknown, used up, revoked, expired).
 */
public final class TokenRefusedException extends Exception {

    private static final long serialVersionUID = 1L;

    TokenRefusedException(String message) {
        super(message, null, false, false);
    }

    /** The message the constructor was given, never null. */
    @Override
    public String getMessage() {
        return requireNonNull(super.getMessage());
    }
}
