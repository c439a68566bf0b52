package io.mesh4j.core.internal.tap;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.discovery.ServiceName;

/**
 * One open tap of a service, as the registry tells the service's members: which of their requests it wants, and
 * at most how many a second. A tap of {@code orders} sees what orders' mesh sees, as Linkerd's tap of a workload
 * does: the requests orders serves (inbound) and the calls orders makes (outbound); {@code from} keeps the inbound
 * requests of one caller, {@code to} the outbound calls to one service.
 *
 * @param id the registry's id of the tap session
 * @param from only inbound requests from this caller
 * @param to only outbound calls to this service
 * @param pathPrefix only requests whose path (an HTTP path or {@code /pkg.Service/Method}) starts with this
 * @param method only requests of this HTTP method
 * @param maxRps at most this many records a second, from 1 to {@value #MAX_RPS}
 */
public record TapFilter(
        String id,
        @Nullable String from,
        @Nullable String to,
        @Nullable String pathPrefix,
        @Nullable String method,
        int maxRps) {

    /** The most records a second one tap may ask for: a tap is a sample to read, not a request log. */
    public static final int MAX_RPS = 100;

    /** What a tap asks for when it does not say. */
    public static final int DEFAULT_RPS = 20;

    /** The longest path prefix a filter may hold, as the longest path a record carries. */
    public static final int MAX_PATH = TapRecord.MAX_PATH;

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern METHOD = Pattern.compile("[A-Z]{1,16}");

    /**
     * Checks every value; the messages name the flag or query parameter and what to change.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public TapFilter {
        requireNonNull(id, "id");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("id: '" + id + "' (expected: 1 to 64 of [A-Za-z0-9_-])");
        }
        if (from != null) {
            from = name("from", from);
        }
        if (to != null) {
            to = name("to", to);
        }
        if (from != null && to != null) {
            throw new IllegalArgumentException("from and to exclude each other: from keeps the requests the service "
                    + "serves from one caller, to keeps the calls it makes to one service (give one of them)");
        }
        if (pathPrefix != null && (!pathPrefix.startsWith("/") || pathPrefix.length() > MAX_PATH)) {
            throw new IllegalArgumentException("path: '" + abbreviate(pathPrefix)
                    + "' (expected: a path prefix starting with /, at most " + MAX_PATH + " characters, such as "
                    + "/orders or /pkg.Service/)");
        }
        if (method != null) {
            final String upper = method.toUpperCase(Locale.ROOT);
            if (!METHOD.matcher(upper).matches()) {
                throw new IllegalArgumentException(
                        "method: '" + abbreviate(method) + "' (expected: an HTTP method such as GET or POST)");
            }
            method = upper;
        }
        if (maxRps < 1 || maxRps > MAX_RPS) {
            throw new IllegalArgumentException("max-rps: " + maxRps + " (expected: from 1 to " + MAX_RPS + ')');
        }
    }

    /** Whether {@code record}, seen by a member of the tapped service, is one this tap wants. */
    public boolean matches(TapRecord record) {
        if (from != null && (!record.inbound() || !from.equals(record.caller()))) {
            return false;
        }
        if (to != null && (record.inbound() || !to.equals(record.service()))) {
            return false;
        }
        if (pathPrefix != null && !record.path().startsWith(pathPrefix)) {
            return false;
        }
        return method == null || method.equals(record.method());
    }

    private static String name(String what, String value) {
        try {
            return ServiceName.of(value).value();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
