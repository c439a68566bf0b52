package io.mesh4j.registry.internal.tokens;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mesh4j.registry.internal.ca.OwnerOnlyFiles;

/**
 * Read-only viewer tokens that expire, made by the operator ({@code meshctl token create --viewer}), each for one
 * person or screen: they open what the registry's {@link ViewerToken} opens (the dashboard, the golden metrics) until
 * their end or their revocation. Kept in {@code <data-dir>/viewer-tokens.json} (owner-only) or, for replicas, in etcd
 * ({@link Book}); every change is stored before it is answered, so a token outlives a restart and a revocation
 * reaches every replica.
 *
 * <p>A token reads {@code viewer.<id>.<secret>}: the id names it in lists and revocations, the secret proves it and is
 * stored only as its SHA-256.
 */
public final class ViewerTokens {

    public static final String FILE = "viewer-tokens.json";
    public static final Duration MAX_TTL = Duration.ofDays(365);
    public static final Duration DEFAULT_TTL = Duration.ofHours(24);

    private static final String PREFIX = "viewer.";
    private static final String BEARER = "Bearer ";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One viewer token as stored: never its secret. */
    public record Entry(
            String id, String name, String secretSha256, Instant createdAt, Instant expiresAt, boolean revoked) {}

    /** A token just made, with the only copy of its value. */
    public record NewToken(Entry entry, String value) {}

    /** What an {@code Authorization} header is to the viewer tokens. */
    public sealed interface Check {}

    /** Not a viewer token of this registry (another kind of token, or none). */
    public record NotViewer() implements Check {}

    /** A viewer token in force. */
    public record Valid(Entry entry) implements Check {}

    /** A viewer token that may no longer be used, and why, in words that say what to do. */
    public record Refused(Entry entry, String reason) implements Check {}

    /** Where the tokens live. */
    public interface Book {

        /** The token of {@code id}, or {@code null}. */
        @Nullable
        Entry get(String id);

        /** Stores {@code entry}, replacing the one of its id. */
        void put(Entry entry);

        List<Entry> list();
    }

    private final Book book;
    private final Clock clock;

    private ViewerTokens(Book book, Clock clock) {
        this.book = book;
        this.clock = clock;
    }

    /** The tokens of {@code file}, read now; a missing file is no token. */
    public static ViewerTokens open(Path file, Clock clock) throws IOException {
        return new ViewerTokens(FileBook.open(requireNonNull(file, "file")), requireNonNull(clock, "clock"));
    }

    /** The tokens in {@code book}, shared by replicas. */
    public static ViewerTokens shared(Book book, Clock clock) {
        return new ViewerTokens(requireNonNull(book, "book"), requireNonNull(clock, "clock"));
    }

    /**
     * Makes a token named {@code name}, good until {@code ttl} from now.
     *
     * @throws IllegalArgumentException if the name or the lifetime is out of range, saying which
     */
    public synchronized NewToken create(String name, Duration ttl) {
        requireNonNull(name, "name");
        requireNonNull(ttl, "ttl");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "name: '" + name + "' (expected: 1 to 64 of A-Z a-z 0-9 . _ @ -, such as alice or wall-screen)");
        }
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException(
                    "ttlSeconds: " + ttl.toSeconds() + " (expected: 1.." + MAX_TTL.toSeconds() + ')');
        }
        final String id = HexFormat.of().formatHex(randomBytes(6));
        final String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(32));
        final Instant now = clock.instant();
        final Entry entry = new Entry(id, name, sha256(secret), now, now.plus(ttl), false);
        book.put(entry);
        return new NewToken(entry, PREFIX + id + '.' + secret);
    }

    /** Revokes the token of {@code id}; false if there is none. */
    public synchronized boolean revoke(String id) {
        final @Nullable Entry entry = book.get(id);
        if (entry == null) {
            return false;
        }
        if (!entry.revoked()) {
            book.put(new Entry(
                    entry.id(), entry.name(), entry.secretSha256(), entry.createdAt(), entry.expiresAt(), true));
        }
        return true;
    }

    public List<Entry> list() {
        return List.copyOf(book.list());
    }

    /** Whether a token is past its end now. */
    public boolean expired(Entry entry) {
        return !clock.instant().isBefore(entry.expiresAt());
    }

    /** What {@code authorization} ({@code Bearer viewer.<id>.<secret>}) is: not a viewer token, one in force, or not. */
    public Check check(@Nullable String authorization) {
        if (authorization == null || !authorization.startsWith(BEARER + PREFIX)) {
            return new NotViewer();
        }
        final String value =
                authorization.substring(BEARER.length() + PREFIX.length()).strip();
        final int dot = value.indexOf('.');
        if (dot <= 0) {
            return new NotViewer();
        }
        final @Nullable Entry entry = book.get(value.substring(0, dot));
        if (entry == null
                || !MessageDigest.isEqual(
                        entry.secretSha256().getBytes(StandardCharsets.US_ASCII),
                        sha256(value.substring(dot + 1)).getBytes(StandardCharsets.US_ASCII))) {
            return new NotViewer();
        }
        if (entry.revoked()) {
            return new Refused(
                    entry,
                    "the viewer token " + entry.id() + " (" + entry.name() + ") was revoked; ask the operator for a "
                            + "new one (meshctl token create --viewer)");
        }
        if (expired(entry)) {
            return new Refused(
                    entry,
                    "the viewer token " + entry.id() + " (" + entry.name() + ") expired at " + entry.expiresAt()
                            + "; ask the operator for a new one (meshctl token create --viewer)");
        }
        return new Valid(entry);
    }

    /** A token as stored: never its secret, only the secret's SHA-256. */
    public static byte[] toJson(Entry entry) {
        try {
            return JSON.writeValueAsBytes(node(entry));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Entry fromJson(byte[] json) {
        try {
            return fromJson(JSON.readTree(json));
        } catch (IOException e) {
            throw new IllegalArgumentException("not a stored viewer token: " + e.getMessage(), e);
        }
    }

    private static Entry fromJson(JsonNode node) {
        return new Entry(
                node.path("id").asText(),
                node.path("name").asText(),
                node.path("secretSha256").asText(),
                Instant.parse(node.path("createdAt").asText()),
                Instant.parse(node.path("expiresAt").asText()),
                node.path("revoked").asBoolean());
    }

    private static ObjectNode node(Entry entry) {
        return JSON.createObjectNode()
                .put("id", entry.id())
                .put("name", entry.name())
                .put("secretSha256", entry.secretSha256())
                .put("createdAt", entry.createdAt().toString())
                .put("expiresAt", entry.expiresAt().toString())
                .put("revoked", entry.revoked());
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

    /** The embedded registry's book: a map, written whole to an owner-only file on every change. */
    private static final class FileBook implements Book {

        private final Path file;
        private final Map<String, Entry> entries;

        private FileBook(Path file, Map<String, Entry> entries) {
            this.file = file;
            this.entries = entries;
        }

        static FileBook open(Path file) throws IOException {
            final Map<String, Entry> entries = new LinkedHashMap<>();
            if (Files.exists(file)) {
                for (JsonNode node : JSON.readTree(file.toFile()).path("tokens")) {
                    final Entry entry = fromJson(node);
                    entries.put(entry.id(), entry);
                }
            }
            return new FileBook(file, entries);
        }

        @Override
        public synchronized @Nullable Entry get(String id) {
            return entries.get(id);
        }

        @Override
        public synchronized void put(Entry entry) {
            final Map<String, Entry> next = new LinkedHashMap<>(entries);
            next.put(entry.id(), entry);
            final ArrayNode array = JSON.createArrayNode();
            next.values().forEach(e -> array.add(node(e)));
            try {
                OwnerOnlyFiles.write(
                        file,
                        JSON.writerWithDefaultPrettyPrinter()
                                .writeValueAsBytes(JSON.createObjectNode().set("tokens", array)));
            } catch (IOException e) {
                throw new UncheckedIOException("could not store the viewer tokens in " + file, e);
            }
            // Only once it is on disk: a token is never in force that a restart would forget.
            entries.put(entry.id(), entry);
        }

        @Override
        public synchronized List<Entry> list() {
            return List.copyOf(entries.values());
        }
    }
}
