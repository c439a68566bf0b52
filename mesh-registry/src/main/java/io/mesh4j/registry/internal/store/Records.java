package io.mesh4j.registry.internal.store;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

import org.jspecify.annotations.Nullable;

/**
 * The framing of every line the file store writes: the CRC32 of the payload in 8 hex digits, a space, the
 * payload, a newline. A line cut short by a crash, or changed on disk, fails its checksum.
 */
final class Records {

    private static final int CRC_DIGITS = 8;

    static byte[] frame(String payload) {
        if (payload.indexOf('\n') >= 0 || payload.indexOf('\r') >= 0) {
            // Names and ids cannot hold line breaks and JSON escapes them, so this is a bug, not bad input.
            throw new IllegalArgumentException("a record cannot span lines: " + payload);
        }
        final byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        final byte[] line = new byte[CRC_DIGITS + 1 + bytes.length + 1];
        final String crc = String.format("%08x", crc(bytes, 0, bytes.length));
        for (int i = 0; i < CRC_DIGITS; i++) {
            line[i] = (byte) crc.charAt(i);
        }
        line[CRC_DIGITS] = ' ';
        System.arraycopy(bytes, 0, line, CRC_DIGITS + 1, bytes.length);
        line[line.length - 1] = '\n';
        return line;
    }

    /**
     * Returns the payload of the line {@code data[start, end)} (without its newline), or {@code null} when the
     * line is not framed or its checksum does not match.
     */
    static @Nullable String unframe(byte[] data, int start, int end) {
        if (end - start < CRC_DIGITS + 1 || data[start + CRC_DIGITS] != ' ') {
            return null;
        }
        final long expected;
        try {
            expected = Long.parseLong(new String(data, start, CRC_DIGITS, StandardCharsets.US_ASCII), 16);
        } catch (NumberFormatException e) {
            return null;
        }
        final int payloadStart = start + CRC_DIGITS + 1;
        if (crc(data, payloadStart, end - payloadStart) != expected) {
            return null;
        }
        return new String(data, payloadStart, end - payloadStart, StandardCharsets.UTF_8);
    }

    private static long crc(byte[] data, int offset, int length) {
        final CRC32 crc = new CRC32();
        crc.update(data, offset, length);
        return crc.getValue();
    }

    private Records() {}
}
