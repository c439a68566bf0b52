package io.mesh4j.core.internal.telemetry;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import io.netty.util.concurrent.FastThreadLocal;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.TraceStateBuilder;

/**
 * W3C Trace Context Level 1 read and written to the letter of the specification, because the propagator of
 * OpenTelemetry Java reads only the first of duplicated headers. Level 1 rather than Level 2's draft: Level 2
 * lets a simple {@code tracestate} key start with a digit, which OpenTelemetry's {@code TraceState} silently
 * drops, so such a list could not be passed on whole.
 *
 * <ul>
 *   <li>{@code traceparent}: more than one header, a version {@code ff}, a version {@code 00} that is not exactly
 *       55 characters, a higher version that is shorter or not followed by {@code -}, upper-case hex, an all-zero
 *       trace or parent id, or a bad separator make it invalid: the request starts a new trace.</li>
 *   <li>{@code tracestate}: several headers are one list joined by commas; empty members are skipped. More than
 *       32 members, a duplicated key, or a member whose key or value breaks the grammar make the whole list
 *       invalid: it is dropped, and the {@code traceparent} is kept. A valid list longer than 512 characters is
 *       cut as the specification says: members longer than 128 characters go first, then members from the end.
 *       </li>
 *   <li>A {@code tracestate} is never read without a valid {@code traceparent}.</li>
 * </ul>
 */
final class W3cTraceContext {

    static final String TRACEPARENT = "traceparent";
    static final String TRACESTATE = "tracestate";

    static final int MAX_MEMBERS = 32;
    static final int PROPAGATED_LENGTH = 512;
    static final int LONG_MEMBER = 128;

    private static final int V00_LENGTH = 55;
    private static final Pattern KEY =
            Pattern.compile("[a-z0-9][a-z0-9_\\-*/]{0,240}@[a-z][a-z0-9_\\-*/]{0,13}|[a-z][a-z0-9_\\-*/]{0,255}");
    private static final String INVALID_TRACE_ID = "00000000000000000000000000000000";
    private static final String INVALID_SPAN_ID = "0000000000000000";

    private static final FastThreadLocal<byte[]> TRACEPARENT_BUFFER = Hex.buffer(V00_LENGTH);

    private W3cTraceContext() {}

    /**
     * The remote parent that {@code traceparent}, the request's one such header, names, or {@code null} if it is
     * invalid. Reads the header in place: only the trace and span ids become strings, as the span context keeps them;
     * not even those when {@code asIds} (no exporter: see {@link IdSpanContext}).
     */
    static @Nullable SpanContext parseTraceparent(String traceparent, boolean asIds) {
        final String value = trimOws(traceparent);
        if (value.length() < V00_LENGTH) {
            return null;
        }
        final boolean v00 = value.charAt(0) == '0' && value.charAt(1) == '0';
        if (!isLowerHex(value, 0, 2) || value.charAt(0) == 'f' && value.charAt(1) == 'f') {
            return null;
        }
        if (v00 ? value.length() != V00_LENGTH : value.length() > V00_LENGTH && value.charAt(V00_LENGTH) != '-') {
            return null;
        }
        if (value.charAt(2) != '-' || value.charAt(35) != '-' || value.charAt(52) != '-') {
            return null;
        }
        if (!isLowerHex(value, 3, 35)
                || !isLowerHex(value, 36, 52)
                || !isLowerHex(value, 53, 55)
                || value.regionMatches(3, INVALID_TRACE_ID, 0, 32)
                || value.regionMatches(36, INVALID_SPAN_ID, 0, 16)) {
            return null;
        }
        // Only the sampled bit (the low bit of the last hex digit) is defined; the others are not passed on (the
        // specification says to set them to 0 when this version does not know what they mean).
        final char last = value.charAt(54);
        final int low = last <= '9' ? last - '0' : last - 'a' + 10;
        if (asIds) {
            return new IdSpanContext(
                    Hex.read(value, 3),
                    Hex.read(value, 19),
                    null,
                    Hex.read(value, 36),
                    (low & 1) != 0,
                    TraceState.getDefault(),
                    true);
        }
        final TraceFlags traceFlags = (low & 1) != 0 ? TraceFlags.getSampled() : TraceFlags.getDefault();
        return SpanContext.createFromRemoteParent(
                value.substring(3, 35), value.substring(36, 52), traceFlags, TraceState.getDefault());
    }

    /**
     * The list that {@code tracestates} hold together, cut to the propagated length, or {@code null} if it is
     * invalid and must be dropped. An absent header is an empty list.
     */
    static @Nullable TraceState parseTracestate(List<String> tracestates) {
        final List<String[]> members = new ArrayList<>();
        final Set<String> keys = new HashSet<>();
        for (String header : tracestates) {
            for (String raw : header.split(",", -1)) {
                final String member = trimOws(raw);
                if (member.isEmpty()) {
                    continue;
                }
                final int eq = member.indexOf('=');
                if (eq <= 0) {
                    return null;
                }
                final String key = member.substring(0, eq);
                final String value = member.substring(eq + 1);
                if (!KEY.matcher(key).matches() || !isValue(value) || !keys.add(key)) {
                    return null;
                }
                members.add(new String[] {key, value});
                if (members.size() > MAX_MEMBERS) {
                    return null;
                }
            }
        }
        cut(members);
        final TraceStateBuilder builder = TraceState.builder();
        // The builder puts each new member first: add from the last, so that the list keeps its order.
        for (int i = members.size() - 1; i >= 0; i--) {
            builder.put(members.get(i)[0], members.get(i)[1]);
        }
        return builder.build();
    }

    /** Cuts a list longer than the propagated length: long members first, then from the end. */
    private static void cut(List<String[]> members) {
        int length = length(members);
        for (int i = members.size() - 1; i >= 0 && length > PROPAGATED_LENGTH; i--) {
            if (memberLength(members.get(i)) > LONG_MEMBER) {
                members.remove(i);
                length = length(members);
            }
        }
        while (length > PROPAGATED_LENGTH) {
            members.remove(members.size() - 1);
            length = length(members);
        }
    }

    private static int length(List<String[]> members) {
        int length = Math.max(0, members.size() - 1);
        for (String[] member : members) {
            length += memberLength(member);
        }
        return length;
    }

    private static int memberLength(String[] member) {
        return member[0].length() + 1 + member[1].length();
    }

    static String formatTraceparent(SpanContext context) {
        // Written into one buffer of the event loop's and copied once into the header's text: the ids are not made
        // into text of their own first.
        final byte[] buf = Hex.scratch(TRACEPARENT_BUFFER, V00_LENGTH);
        buf[0] = '0';
        buf[1] = '0';
        buf[2] = '-';
        buf[35] = '-';
        buf[52] = '-';
        buf[53] = '0';
        if (context instanceof IdSpanContext) {
            final IdSpanContext ids = (IdSpanContext) context;
            Hex.write(ids.traceIdHigh, buf, 3);
            Hex.write(ids.traceIdLow, buf, 19);
            Hex.write(ids.spanIdValue, buf, 36);
        } else {
            Hex.write(context.getTraceId(), buf, 3);
            Hex.write(context.getSpanId(), buf, 36);
        }
        buf[54] = (byte) (context.isSampled() ? '1' : '0');
        return new String(buf, StandardCharsets.ISO_8859_1);
    }

    static String formatTracestate(TraceState state) {
        final StringBuilder buf = new StringBuilder();
        state.forEach((key, value) -> {
            if (buf.length() > 0) {
                buf.append(',');
            }
            buf.append(key).append('=').append(value);
        });
        return buf.toString();
    }

    /** value = 0*255(chr) nblk-chr, chr = %x20 / nblk-chr, nblk-chr = %x21-2B / %x2D-3C / %x3E-7E. */
    private static boolean isValue(String value) {
        final int n = value.length();
        if (n == 0 || n > 256 || value.charAt(n - 1) == ' ') {
            return false;
        }
        for (int i = 0; i < n; i++) {
            final char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e || c == ',' || c == '=') {
                return false;
            }
        }
        return true;
    }

    private static boolean isLowerHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            final char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /** Optional white space, as HTTP defines it: spaces and tabs. */
    private static String trimOws(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && (s.charAt(start) == ' ' || s.charAt(start) == '\t')) {
            start++;
        }
        while (end > start && (s.charAt(end - 1) == ' ' || s.charAt(end - 1) == '\t')) {
            end--;
        }
        return s.substring(start, end);
    }
}
