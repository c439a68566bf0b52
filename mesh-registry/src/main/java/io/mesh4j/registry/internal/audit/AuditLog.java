package io.mesh4j.registry.internal.audit;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code <data-dir>/audit.log}: one JSON line for every admin action, appended and on disk before the action is
 * answered, {@code rw-------} like the registry's other files.
 *
 * <pre>{@code
 * {"time":"2026-12-06T13:00:00Z","action":"token.create","target":"token 1a2b3c4d5e6f of service orders",
 *  "caller":"admin token sha256:0123456789abcdef","remote":"10.0.0.7","result":"ok"}
 * }</pre>
 *
 * <p>The file is only ever appended to: the registry never rewrites or truncates it (rotating it is the
 * operator's, as with any log). It never holds a secret: a caller is named by the admin token's fingerprint or
 * by its SPIFFE ID, never by the token. Each record opens, appends, syncs and closes the file, so that a file
 * moved away by a log rotation is simply made anew, and a disk that fails is seen at the next action.
 */
public final class AuditLog {

    public static final String FILE = "audit.log";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final boolean POSIX =
            FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<StandardOpenOption> APPEND =
            Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);

    private final Path file;
    private final Clock clock;

    private AuditLog(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
    }

    /**
     * Opens the audit log of {@code dataDir}, making the file if missing and making an existing one its owner's
     * alone.
     *
     * @throws IOException if the file cannot be written
     */
    public static AuditLog open(Path dataDir, Clock clock) throws IOException {
        final AuditLog log =
                new AuditLog(requireNonNull(dataDir, "dataDir").resolve(FILE), requireNonNull(clock, "clock"));
        log.checkWritable();
        return log;
    }

    /** What came of an admin action: done, or refused and why. */
    public record Outcome(boolean ok, @Nullable String reason) {

        public static final Outcome OK = new Outcome(true, null);

        public static Outcome refused(String reason) {
            return new Outcome(false, requireNonNull(reason, "reason"));
        }
    }

    /**
     * Appends one admin action, synced to disk when this returns. The single way into the log: every admin call
     * of the registry's API goes through it (see {@code Access.admin}).
     *
     * @param action what was asked, {@code <noun>.<verb>} such as {@code token.create} or {@code ca.rotate}
     * @param target what it was done to, such as {@code service orders} or {@code token 1a2b3c4d5e6f}
     * @param caller who asked: {@code admin token sha256:<fingerprint>}, a SPIFFE ID, or {@code unauthenticated};
     *     never a secret
     * @param remote the address the call came from
     * @param outcome done, or refused with the reason the caller was given
     * @throws IOException if the line is not on disk; the caller must then not pretend the action was recorded
     */
    public synchronized void record(String action, String target, String caller, String remote, Outcome outcome)
            throws IOException {
        final ObjectNode line = JSON.createObjectNode()
                .put("time", clock.instant().toString())
                .put("action", requireNonNull(action, "action"))
                .put("target", requireNonNull(target, "target"))
                .put("caller", requireNonNull(caller, "caller"))
                .put("remote", requireNonNull(remote, "remote"))
                .put("result", requireNonNull(outcome, "outcome").ok() ? "ok" : "refused");
        if (outcome.reason() != null) {
            line.put("reason", outcome.reason());
        }
        final byte[] bytes;
        try {
            bytes = (JSON.writeValueAsString(line) + '\n').getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        try (FileChannel channel = openForAppend()) {
            final ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(false);
        }
    }

    /**
     * Throws if a record could not be appended now: asked before an admin action is carried out, so that a log
     * that cannot be written stops the action rather than letting it go unrecorded.
     */
    public void checkWritable() throws IOException {
        try (FileChannel channel = openForAppend()) {
            // Opened for appending, which is what a record needs.
        }
    }

    /** The file, for messages. */
    public Path file() {
        return file;
    }

    private FileChannel openForAppend() throws IOException {
        if (!POSIX) {
            return FileChannel.open(file, APPEND);
        }
        final FileAttribute<?> ownerOnly = PosixFilePermissions.asFileAttribute(OWNER_FILE);
        final FileChannel channel = FileChannel.open(file, APPEND, ownerOnly);
        try {
            // A file made now is rw-------; one copied in or made by hand keeps what it had, so make it so.
            if (!Files.getPosixFilePermissions(file).equals(OWNER_FILE)) {
                Files.setPosixFilePermissions(file, OWNER_FILE);
            }
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Reads the last {@code n} entries of an audit log file, oldest first; a line that is not JSON (cut short by a
     * crash) is skipped.
     */
    public static List<JsonNode> readLast(Path file, int n) throws IOException {
        final Deque<JsonNode> last = new ArrayDeque<>();
        if (n <= 0 || !Files.exists(file)) {
            return List.of();
        }
        try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
            for (String line : (Iterable<String>) lines::iterator) {
                final @Nullable JsonNode node = parse(line);
                if (node == null) {
                    continue;
                }
                last.addLast(node);
                if (last.size() > n) {
                    last.removeFirst();
                }
            }
        }
        return new ArrayList<>(last);
    }

    private static @Nullable JsonNode parse(String line) {
        if (line.isBlank()) {
            return null;
        }
        try {
            final JsonNode node = JSON.readTree(line);
            return node.isObject() ? node : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return "AuditLog(" + file + ')';
    }
}
