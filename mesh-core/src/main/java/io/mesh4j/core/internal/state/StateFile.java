package io.mesh4j.core.internal.state;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * One file of the state directory: a header line that says when it was written, how long its content is and the
 * content's SHA-256, then the content. Written to a temporary file, forced to disk and moved over the old one
 * atomically, so that a crash leaves the old file or the new one; read whole and refused unless its length and
 * checksum match, so that a truncated or corrupt file is never half-read. Every file is made owner-only
 * ({@code rw-------}): the key file must be, and the others name every instance and route of the mesh.
 *
 * <pre>
 * mesh4j-state 1 saved=2026-12-07T02:40:00Z bytes=1234 sha256=9f86d0...
 * {"index":42,"instances":[...]}
 * </pre>
 */
public final class StateFile {

    /** What a file holds, and when it was written. */
    public record Content(byte[] bytes, Instant savedAt) {}

    /** A file that is there but cannot be used, with the reason in words fit for a log line. */
    public static final class RefusedException extends Exception {
        private static final long serialVersionUID = 1L;

        RefusedException(String reason) {
            super(reason);
        }
    }

    static final String MAGIC = "mesh4j-state 1";
    private static final Pattern HEADER =
            Pattern.compile("mesh4j-state 1 saved=(\\S+) bytes=(\\d{1,10}) sha256=([0-9a-f]{64})");
    /** Far beyond the endpoints of 10,000 instances (about 2 MB): anything larger is not ours. */
    private static final long MAX_BYTES = 64L << 20;

    private static final boolean POSIX =
            FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    /** Writes {@code content} to {@code file} atomically, owner-only, forced to disk before it replaces the old. */
    public static void write(Path file, byte[] content, Instant savedAt) throws IOException {
        final byte[] header = (MAGIC + " saved=" + savedAt + " bytes=" + content.length + " sha256="
                        + HexFormat.of().formatHex(sha256(content)) + '\n')
                .getBytes(StandardCharsets.US_ASCII);
        final FileAttribute<?>[] attributes = POSIX
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
                : new FileAttribute<?>[0];
        // A name of its own: the client and server of a plaintext workload may write the same file at once.
        final Path temp = Files.createTempFile(
                requireNonNull(file.toAbsolutePath().getParent(), "parent"),
                file.getFileName() + ".",
                ".tmp",
                attributes);
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            for (ByteBuffer buffer : new ByteBuffer[] {ByteBuffer.wrap(header), ByteBuffer.wrap(content)}) {
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }
            channel.force(true);
        }
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Reads {@code file} whole and checks it.
     *
     * @param secret whether the file holds a private key, and must therefore be owner-only to be used
     * @return its content; {@code null} if there is no such file
     * @throws RefusedException if it is truncated, corrupt, not a state file, or a secret others may read
     * @throws IOException if it cannot be read
     */
    public static @Nullable Content read(Path file, boolean secret) throws IOException, RefusedException {
        requireNonNull(file, "file");
        final byte[] all;
        try {
            if (secret) {
                checkOwnerOnly(file);
            }
            if (Files.size(file) > MAX_BYTES) {
                throw new RefusedException("larger than " + MAX_BYTES + " bytes, so not a state file mesh4j wrote");
            }
            all = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
        int newline = -1;
        for (int i = 0; i < Math.min(all.length, 256); i++) {
            if (all[i] == '\n') {
                newline = i;
                break;
            }
        }
        if (newline < 0) {
            throw new RefusedException(
                    all.length == 0
                            ? "empty (a write cut short)"
                            : "no mesh4j-state header line (expected: '" + MAGIC + " saved=... bytes=... sha256=...')");
        }
        final String header = new String(all, 0, newline, StandardCharsets.US_ASCII);
        final Matcher matcher = HEADER.matcher(header);
        if (!matcher.matches()) {
            throw new RefusedException("its header is not '" + MAGIC + " saved=... bytes=... sha256=...' but '"
                    + (header.length() > 80 ? header.substring(0, 80) + "..." : header) + '\'');
        }
        final Instant savedAt;
        try {
            savedAt = Instant.parse(matcher.group(1));
        } catch (DateTimeParseException e) {
            throw new RefusedException("its header's time is not an instant: " + matcher.group(1));
        }
        final long expected = Long.parseLong(matcher.group(2));
        final byte[] content = Arrays.copyOfRange(all, newline + 1, all.length);
        if (content.length != expected) {
            throw new RefusedException(
                    content.length < expected
                            ? "truncated: " + content.length + " of its " + expected + " bytes"
                            : content.length + " bytes where its header says " + expected);
        }
        if (!MessageDigest.isEqual(sha256(content), HexFormat.of().parseHex(matcher.group(3)))) {
            throw new RefusedException("corrupt: its content does not match the SHA-256 of its header");
        }
        return new Content(content, savedAt);
    }

    private static void checkOwnerOnly(Path file) throws IOException, RefusedException {
        if (!POSIX) {
            return;
        }
        final Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
        for (PosixFilePermission permission : permissions) {
            if (permission.name().startsWith("GROUP") || permission.name().startsWith("OTHERS")) {
                throw new RefusedException("it holds a private key and others may read or write it ("
                        + PosixFilePermissions.toString(permissions) + "): if nobody else could have read it, run "
                        + "chmod 600 " + file + "; otherwise delete it, and the workload joins again with its join "
                        + "token");
            }
        }
    }

    private static byte[] sha256(byte[] content) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(content);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }

    private StateFile() {}
}
