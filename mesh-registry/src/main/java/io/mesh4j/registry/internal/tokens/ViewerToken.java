package io.mesh4j.registry.internal.tokens;

import java.io.IOException;
import java.nio.file.Path;

import org.jspecify.annotations.Nullable;

/**
 * A read-only credential for people, such as whoever watches the dashboard: a random secret the registry writes to
 * {@code <data-dir>/viewer.token} (owner-only) on its first start, beside the admin token. It may read the golden
 * metrics ({@code /v1/stats/...}) and the dashboard's stream, and nothing else: no write, no admin call, no instance
 * list or document. To take it away from everyone it was given to, delete the file and restart the registry, which
 * makes a new one.
 */
public final class ViewerToken {

    public static final String FILE = "viewer.token";

    private final AdminToken secret;

    private ViewerToken(AdminToken secret) {
        this.secret = secret;
    }

    /** Reads the viewer token from {@code dataDir}, making one on the first start. */
    public static ViewerToken openOrCreate(Path dataDir) throws IOException {
        return new ViewerToken(AdminToken.openOrCreateFile(dataDir.resolve(FILE), "a viewer token"));
    }

    /** Names this token without revealing it, as {@link AdminToken#fingerprint()} does. */
    public String fingerprint() {
        return secret.fingerprint();
    }

    /** Whether an {@code Authorization} header carries this token. */
    public boolean matches(@Nullable String authorization) {
        return secret.matches(authorization);
    }
}
