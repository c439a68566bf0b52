package io.mesh4j.core.internal.identity;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * The few DER encodings (X.690) a workload's certificate request (and its {@link StandInCertificate}) is made of,
 * so that making one needs no
 * BouncyCastle: a workload makes a request at every start and renewal, and BouncyCastle's ASN.1 classes cost it
 * some 200 classes to load for a structure of a dozen fields. Reading DER stays with BouncyCastle (the registry).
 */
final class Der {

    static byte[] sequence(byte[]... elements) {
        return tagged(0x30, elements);
    }

    static byte[] set(byte[]... elements) {
        return tagged(0x31, elements);
    }

    /** An INTEGER small enough for one byte, such as a version. */
    static byte[] smallInteger(int value) {
        if (value < 0 || value > 127) {
            throw new IllegalArgumentException("value: " + value + " (expected: 0 to 127)");
        }
        return new byte[] {0x02, 0x01, (byte) value};
    }

    static byte[] bool(boolean value) {
        return new byte[] {0x01, 0x01, value ? (byte) 0xFF : 0x00};
    }

    /** An OBJECT IDENTIFIER from its dotted form, such as {@code 2.5.29.17}. */
    static byte[] oid(String dotted) {
        final String[] arcs = dotted.split("\\.");
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        base128(out, Long.parseLong(arcs[0]) * 40 + Long.parseLong(arcs[1]));
        for (int i = 2; i < arcs.length; i++) {
            base128(out, Long.parseLong(arcs[i]));
        }
        return tagged(0x06, out.toByteArray());
    }

    static byte[] utf8String(String value) {
        return tagged(0x0C, value.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A UTCTime ({@code YYMMDDHHMMSSZ}), as a certificate's validity carries it for the years 1950 to 2049. Written
     * by hand: a {@code DateTimeFormatter} would load some fifty classes at a workload's start for it.
     */
    static byte[] utcTime(Instant instant) {
        final LocalDateTime time = LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
        if (time.getYear() < 1950 || time.getYear() > 2049) {
            throw new IllegalArgumentException("instant: " + instant + " (expected: in the years 1950 to 2049)");
        }
        final StringBuilder text = new StringBuilder(13);
        for (int field : new int[] {
            time.getYear() % 100,
            time.getMonthValue(),
            time.getDayOfMonth(),
            time.getHour(),
            time.getMinute(),
            time.getSecond()
        }) {
            text.append((char) ('0' + field / 10)).append((char) ('0' + field % 10));
        }
        text.append('Z');
        return tagged(0x17, text.toString().getBytes(StandardCharsets.US_ASCII));
    }

    static byte[] octetString(byte[] value) {
        return tagged(0x04, value);
    }

    /** A BIT STRING of whole bytes, such as a signature. */
    static byte[] bitString(byte[] value) {
        final byte[] content = new byte[value.length + 1];
        System.arraycopy(value, 0, content, 1, value.length); // the first byte: no unused bits
        return tagged(0x03, content);
    }

    /** {@code elements} (each already encoded) under {@code tag}, the content's length before them. */
    static byte[] tagged(int tag, byte[]... elements) {
        final ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (byte[] element : elements) {
            content.writeBytes(element);
        }
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        final int length = content.size();
        if (length < 128) {
            out.write(length);
        } else {
            final int bytes = (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 7) / 8;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(length >>> (8 * i));
            }
        }
        out.writeBytes(content.toByteArray());
        return out.toByteArray();
    }

    private static void base128(ByteArrayOutputStream out, long value) {
        final int groups = Math.max(1, (Long.SIZE - Long.numberOfLeadingZeros(value) + 6) / 7);
        for (int i = groups - 1; i >= 0; i--) {
            final int group = (int) ((value >>> (7 * i)) & 0x7F);
            out.write(i > 0 ? group | 0x80 : group);
        }
    }

    private Der() {}
}
