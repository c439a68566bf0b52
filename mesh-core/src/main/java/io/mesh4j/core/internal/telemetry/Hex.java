package io.mesh4j.core.internal.telemetry;

import java.nio.charset.StandardCharsets;

import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.FastThreadLocalThread;

/** Lower-case hex of the ids in trace headers, read and written in place: no text is made for a number. */
final class Hex {

    private static final byte[] DIGITS = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'
    };

    /**
     * The event loop's buffer for an id's text. Not OpenTelemetry's temporary buffer: its propagators hold that one
     * while they ask a span context for its ids, which an {@link IdSpanContext} makes then.
     */
    private static final FastThreadLocal<byte[]> TEXT = buffer(32);

    /** A buffer of {@code size} bytes for each event loop; see {@link #scratch}. */
    static FastThreadLocal<byte[]> buffer(int size) {
        return new FastThreadLocal<>() {
            @Override
            protected byte[] initialValue() {
                return new byte[size];
            }
        };
    }

    /**
     * {@code local}'s buffer on an event loop, where most calls and requests run, else a new one: a plain thread
     * local would put a map in every thread that calls once (a virtual thread per task, say), which costs more
     * than the array.
     */
    static byte[] scratch(FastThreadLocal<byte[]> local, int size) {
        return Thread.currentThread() instanceof FastThreadLocalThread ? local.get() : new byte[size];
    }

    private Hex() {}

    /** The 32 hex digits of the trace id made of {@code high} and {@code low}. */
    static String traceId(long high, long low) {
        final byte[] buf = scratch(TEXT, 32);
        write(high, buf, 0);
        write(low, buf, 16);
        return new String(buf, 0, 32, StandardCharsets.ISO_8859_1);
    }

    /** The 16 hex digits of the span id {@code value}. */
    static String spanId(long value) {
        final byte[] buf = scratch(TEXT, 32);
        write(value, buf, 0);
        return new String(buf, 0, 16, StandardCharsets.ISO_8859_1);
    }

    /** Writes {@code value} as 16 hex digits into {@code buf} from {@code offset}. */
    static void write(long value, byte[] buf, int offset) {
        for (int i = 15; i >= 0; i--) {
            buf[offset + i] = DIGITS[(int) (value & 0xf)];
            value >>>= 4;
        }
    }

    /** Writes the 16 or 32 characters of {@code hex}, an id's text, into {@code buf} from {@code offset}. */
    static void write(String hex, byte[] buf, int offset) {
        for (int i = 0; i < hex.length(); i++) {
            buf[offset + i] = (byte) hex.charAt(i);
        }
    }

    /** The number that the 16 lower-case hex digits of {@code s} from {@code offset} write, checked before. */
    static long read(CharSequence s, int offset) {
        long value = 0;
        for (int i = offset; i < offset + 16; i++) {
            final char c = s.charAt(i);
            value = value << 4 | (c <= '9' ? c - '0' : c - 'a' + 10);
        }
        return value;
    }
}
