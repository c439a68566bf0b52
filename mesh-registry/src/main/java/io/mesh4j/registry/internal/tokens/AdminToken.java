package io.mesh4j.registry.internal.tokens;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

import org.jspecify.annotations.Nullable;

import io.mesh4j.registry.internal.ca.OwnerOnlyFiles;

/**
 * The operator's credential: a random secret the registry writes to {@code <data-dir>/admin.token} (owner-only)
 * on its first start, as Consul bootstraps its first ACL token. Whoever can read that file administers the
 * registry: makes join tokens, rotates the CA, reads without a mesh certificate.
 */
public final class AdminToken {

    public static final String FILE = "admin.token";
    private static final String BEARER = "Bearer ";

    /** The shortest admin token the registry accepts from its file: 32 characters, as much as 24 random bytes. */
    static final int MIN_LENGTH = 32;

    private final byte[] secret;
    private final String fingerprint;

    private AdminToken(String secret) {
        this.secret = secret.getBytes(StandardCharsets.US_ASCII);
        fingerprint = fingerprintOf(this.secret);
    }

    /** Reads the admin token from {@code dataDir}, making one on the first start. */
    public static AdminToken openOrCreate(Path dataDir) throws IOException {
        return openOrCreateFile(dataDir.resolve(FILE), "an admin token");
    }

    /**
     * Reads a bearer secret from {@code file}, making a random one there when there is none: the admin token's, and
     * the {@link ViewerToken}'s.
     *
     * @param kind what the file holds, for the message of a file too short, such as {@code "an admin token"}
     */
    static AdminToken openOrCreateFile(Path file, String kind) throws IOException {
        if (Files.exists(file)) {
            if (!OwnerOnlyFiles.isOwnerOnly(file)) {
                throw new IOException(file + " can be read by others than its owner; run chmod 600 " + file);
            }
            final String secret =
                    Files.readString(file, StandardCharsets.US_ASCII).strip();
            if (secret.length() < MIN_LENGTH) {
                // An empty file would make the empty string the admin token: anyone could administer the mesh.
                throw new IOException(file + " holds " + secret.length() + " characters (expected: " + kind
                        + " of at least " + MIN_LENGTH + "; delete the file and the registry makes a random one at "
                        + "its next start)");
            }
            return new AdminToken(secret);
        }
        final byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        final String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        OwnerOnlyFiles.write(file, (secret + '\n').getBytes(StandardCharsets.US_ASCII));
        return new AdminToken(secret);
    }

    /**
     * Names this token without revealing it, for the audit log: {@code sha256:} and the first 16 hex digits of its
     * SHA-256, which tells a replaced admin token from the one before and is no help in guessing it.
     */
    public String fingerprint() {
        return fingerprint;
    }

    private static String fingerprintOf(byte[] secret) {
        try {
            return "sha256:"
                    + HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(secret), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether an {@code Authorization} header carries this token. */
    public boolean matches(@Nullable String authorization) {
        if (authorization == null || !authorization.startsWith(BEARER)) {
            return false;
        }
        return MessageDigest.isEqual(
                authorization.substring(BEARER.length()).strip().getBytes(StandardCharsets.US_ASCII), secret);
    }
}
