package io.mesh4j.registry.internal.tokens;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.registry.internal.ca.OwnerOnlyFiles;

/**
 * The join tokens of a registry, in {@code <data-dir>/tokens.json} (owner-only): made by an operator, redeemed
 * by workloads for their first certificate. Every change is on disk before it is answered, so a used token
 * stays used across a restart.
 *
 * <p>A token reads {@code <id>.<secret>}: the id names it in lists and revocations, the secret proves it and
 * is stored only as its SHA-256.
 */
public final class JoinTokens {

    public static final Duration MAX_TTL = Duration.ofDays(365);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path file;
    private final Clock clock;
    private final Map<String, JoinToken> tokens;
    private final @Nullable Book shared;

    private JoinTokens(Path file, Clock clock, Map<String, JoinToken> tokens, @Nullable Book shared) {
        this.file = file;
        this.clock = clock;
        this.tokens = tokens;
        this.shared = shared;
    }

    public static JoinTokens open(Path file, Clock clock) throws IOException {
        requireNonNull(file, "file");
        requireNonNull(clock, "clock");
        final Map<String, JoinToken> tokens = new LinkedHashMap<>();
        if (Files.exists(file)) {
            for (JsonNode node : JSON.readTree(file.toFile()).path("tokens")) {
                final JoinToken token = fromJson(node);
                tokens.put(token.id(), token);
            }
        }
        return new JoinTokens(file, clock, tokens, null);
    }

    /**
     * The tokens of a mesh whose registries share them (replicas over etcd): every check reads {@code shared}, and
     * a use is written only if the token is still as it was read, so that a token's last use is spent once across
     * all replicas.
     */
    public static JoinTokens shared(Book shared, Clock clock) {
        return new JoinTokens(
                Path.of("(shared)"),
                requireNonNull(clock, "clock"),
                new LinkedHashMap<>(),
                requireNonNull(shared, "shared"));
    }

    /** Where tokens live when replicas share them. */
    public interface Book {

        /** The token of {@code id}, or {@code null}. */
        @Nullable
        JoinToken get(String id);

        /** Adds a new token. */
        void create(JoinToken token);

        /** Replaces {@code expected} with {@code next} if the stored token is still {@code expected}; else false. */
        boolean replace(JoinToken expected, JoinToken next);

        List<JoinToken> list();
    }

    /** A token as stored: never its secret, only the secret's SHA-256. */
    public static byte[] toJson(JoinToken token) {
        try {
            return JSON.writeValueAsBytes(node(token));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static JoinToken fromJson(byte[] json) {
        try {
            return fromJson(JSON.readTree(json));
        } catch (IOException e) {
            throw new IllegalArgumentException("not a stored join token: " + e.getMessage(), e);
        }
    }

    private static JoinToken fromJson(JsonNode node) {
        return new JoinToken(
                node.path("id").asText(),
                ServiceName.of(node.path("service").asText()),
                node.path("secretSha256").asText(),
                Instant.parse(node.path("createdAt").asText()),
                Instant.parse(node.path("expiresAt").asText()),
                node.path("usesLeft").asInt(),
                node.path("revoked").asBoolean());
    }

    private static ObjectNode node(JoinToken token) {
        return JSON.createObjectNode()
                .put("id", token.id())
                .put("service", token.service().value())
                .put("secretSha256", token.secretHash())
                .put("createdAt", token.createdAt().toString())
                .put("expiresAt", token.expiresAt().toString())
                .put("usesLeft", token.usesLeft())
                .put("revoked", token.revoked());
    }

    /**
     * Makes a token for {@code service}, good for {@code uses} certificates until {@code ttl} from now.
     *
     * @return the token, and its value as the workload must present it, which the registry cannot show again
     */
    public synchronized NewToken create(ServiceName service, Duration ttl, int uses) throws IOException {
        requireNonNull(service, "service");
        requireNonNull(ttl, "ttl");
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException(
                    "ttlSeconds: " + ttl.toSeconds() + " (expected: 1.." + MAX_TTL.toSeconds() + ')');
        }
        if (uses < 1 || uses > 10_000) {
            throw new IllegalArgumentException("uses: " + uses + " (expected: 1..10000)");
        }
        final String id = HexFormat.of().formatHex(randomBytes(6));
        final String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(32));
        final Instant now = clock.instant();
        final JoinToken token = new JoinToken(id, service, sha256(secret), now, now.plus(ttl), uses, false);
        if (shared != null) {
            shared.create(token);
            return new NewToken(token, id + '.' + secret);
        }
        tokens.put(id, token);
        save();
        return new NewToken(token, id + '.' + secret);
    }

    /** A token just made, with the only copy of its value. */
    public record NewToken(JoinToken token, String value) {}

    /**
     * Checks {@code token} without using it up.
     *
     * @throws TokenRefusedException saying why it cannot be used
     */
    public synchronized JoinToken check(String token) throws TokenRefusedException {
        final int dot = token.indexOf('.');
        final @Nullable JoinToken known = dot <= 0
                ? null
                : shared != null ? shared.get(token.substring(0, dot)) : tokens.get(token.substring(0, dot));
        if (known == null
                || !MessageDigest.isEqual(
                        sha256(token.substring(dot + 1)).getBytes(StandardCharsets.US_ASCII),
                        known.secretHash().getBytes(StandardCharsets.US_ASCII))) {
            throw new TokenRefusedException("the join token is not one this registry made; ask the operator for "
                    + "a new one (meshctl token create --service <service>)");
        }
        if (known.revoked()) {
            throw new TokenRefusedException("join token " + known.id() + " was revoked");
        }
        if (!clock.instant().isBefore(known.expiresAt())) {
            throw new TokenRefusedException("join token " + known.id() + " expired at " + known.expiresAt());
        }
        if (known.usesLeft() <= 0) {
            throw new TokenRefusedException("join token " + known.id() + " is used up; ask the operator for a new one");
        }
        return known;
    }

    /**
     * Uses {@code token} once for what {@code issue} makes, and only if it makes it: the token is checked again, the
     * certificate made and the use written to disk under one lock, so two requests with a token's last use cannot
     * both get a certificate, and a request that fails (or whose use cannot be written) spends nothing. Call after
     * everything else about the request has been checked.
     *
     * @param issue makes the certificate; whatever it throws leaves the token as it was
     * @return what {@code issue} made
     * @throws TokenRefusedException if the token cannot be used (any more)
     * @throws IOException if the use cannot be written; nothing is spent, and what {@code issue} made must not be
     *     handed out
     */
    public synchronized <T> T redeem(String token, Function<JoinToken, T> issue)
            throws TokenRefusedException, IOException {
        if (shared != null) {
            return redeemShared(shared, token, issue);
        }
        final JoinToken known = check(token);
        final T issued = issue.apply(known);
        tokens.put(known.id(), known.used());
        try {
            save();
        } catch (IOException | RuntimeException e) {
            tokens.put(known.id(), known);
            throw e;
        }
        return issued;
    }

    /**
     * Redeems against the shared book: the use is written only if the token is still as this replica read it, so
     * that when two replicas race for a token's last use, one wins and the other reads it again and is refused.
     */
    private <T> T redeemShared(Book shared, String token, Function<JoinToken, T> issue) throws TokenRefusedException {
        for (int attempt = 0; attempt < 10; attempt++) {
            final JoinToken known = check(token);
            final T issued = issue.apply(known);
            if (shared.replace(known, known.used())) {
                return issued;
            }
            // Another replica used it meanwhile: what this one made is not handed out, and the token is read again.
        }
        throw new TokenRefusedException("join token " + token.substring(0, Math.max(0, token.indexOf('.')))
                + " is being redeemed by many requests at once; try again");
    }

    /**
     * Revokes the token of {@code id}; false if there is none.
     */
    public synchronized boolean revoke(String id) throws IOException {
        if (shared != null) {
            for (int attempt = 0; attempt < 10; attempt++) {
                final @Nullable JoinToken current = shared.get(id);
                if (current == null) {
                    return false;
                }
                if (shared.replace(current, current.revokedNow())) {
                    return true;
                }
            }
            throw new IOException("join token " + id + " kept changing while it was revoked; try again");
        }
        final @Nullable JoinToken known = tokens.get(id);
        if (known == null) {
            return false;
        }
        tokens.put(id, known.revokedNow());
        save();
        return true;
    }

    public synchronized List<JoinToken> list() {
        if (shared != null) {
            return List.copyOf(shared.list());
        }
        return List.copyOf(tokens.values());
    }

    private void save() throws IOException {
        final ArrayNode array = JSON.createArrayNode();
        for (JoinToken token : tokens.values()) {
            array.add(node(token));
        }
        OwnerOnlyFiles.write(
                file,
                JSON.writerWithDefaultPrettyPrinter()
                        .writeValueAsBytes(JSON.createObjectNode().set("tokens", array)));
    }

    private static byte[] randomBytes(int n) {
        final byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private static String sha256(String secret) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized String toString() {
        return "JoinTokens(" + tokens.size() + " in " + file + ')';
    }
}
