package io.mesh4j.registry.internal.tokens;

/**
 * A join token that cannot be used; the message says why (unknown, used up, revoked, expired).
 */
public final class TokenRefusedException extends Exception {

    private static final long serialVersionUID = 1L;

    TokenRefusedException(String message) {
        super(message, null, false, false);
    }
}
