package io.mesh4j.core.deadline;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import com.github.benmanes.caffeine.cache.Ticker;
import com.linecorp.armeria.common.RequestContext;

import io.netty.util.AttributeKey;

/**
 * The moment after which the caller of a request no longer waits for it.
 *
 * <p>It travels between services as the time left, in the {@value #HEADER} header, rather than as a
 * wall-clock instant, so that clock skew between hosts cannot make a deadline expire early or never (gRPC's
 * {@code grpc-timeout} does the same). Within a process it is kept as a ticker reading in the request's
 * context: the server's DEADLINE layer puts it there, and a mesh client called while handling the request
 * reads it to bound its own timeout.
 */
public final class Deadline {

    /** The header that carries the time left, in whole milliseconds. */
    public static final String HEADER = "mesh-deadline";

    /**
     * gRPC's header for the same: up to 8 digits and a unit ({@code H M S m u n}), such as {@code 250m}. Sent
     * beside {@value #HEADER} on gRPC calls, so that a gRPC server outside the mesh bounds its work too.
     */
    public static final String GRPC_HEADER = "grpc-timeout";

    private static final long GRPC_MAX_VALUE = 99_999_999;

    private static final AttributeKey<Deadline> KEY = AttributeKey.valueOf(Deadline.class, "DEADLINE");

    private final long deadlineNanos;
    private final Ticker ticker;

    private Deadline(long deadlineNanos, Ticker ticker) {
        this.deadlineNanos = deadlineNanos;
        this.ticker = ticker;
    }

    /**
     * Returns the deadline {@code timeout} from now.
     *
     * @param timeout the time left; zero or negative makes a deadline that has already expired
     * @param ticker the time source, in nanoseconds, that {@link #remaining()} reads too
     * @return the deadline
     */
    public static Deadline after(Duration timeout, Ticker ticker) {
        requireNonNull(timeout, "timeout");
        requireNonNull(ticker, "ticker");
        return new Deadline(ticker.read() + timeout.toNanos(), ticker);
    }

    /**
     * Returns the deadline of the request being handled in {@code ctx}, if its caller sent one.
     *
     * @param ctx the context of the request being served
     * @return the deadline; {@code null} if none is attached to {@code ctx}
     */
    public static @Nullable Deadline of(RequestContext ctx) {
        return ctx.attr(KEY);
    }

    /**
     * Attaches this deadline to {@code ctx}, so that calls made while handling the request inherit it. The mesh
     * server's DEADLINE layer does this for every request whose caller sent a deadline.
     *
     * @param ctx the context of the request being served
     */
    public void attachTo(RequestContext ctx) {
        ctx.setAttr(KEY, this);
    }

    /**
     * Returns the time left, zero or negative once expired.
     *
     * @return the time left, read from the ticker now
     */
    public Duration remaining() {
        return Duration.ofNanos(deadlineNanos - ticker.read());
    }

    /**
     * Returns the time left in nanoseconds, zero or negative once expired: {@link #remaining()} without a
     * {@link Duration} to allocate, for the request path.
     *
     * @return the time left, read from the ticker now
     */
    public long remainingNanos() {
        return deadlineNanos - ticker.read();
    }

    /**
     * Returns whether no time is left.
     *
     * @return {@code true} if the deadline has passed
     */
    public boolean isExpired() {
        return deadlineNanos - ticker.read() <= 0;
    }

    /**
     * Parses the {@value #HEADER} header value.
     *
     * @param value the header's value; {@code null} when the request has none
     * @return the time left, or {@code null} when the value is not a whole number of milliseconds
     */
    public static @Nullable Duration parseHeader(@Nullable String value) {
        if (value == null || value.isEmpty() || value.length() > 18) {
            return null;
        }
        for (int i = 0; i < value.length(); i++) {
            final char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
        }
        return Duration.ofMillis(Long.parseLong(value));
    }

    /**
     * Formats the time left for the {@value #HEADER} header; never negative.
     *
     * @param remaining the time left
     * @return whole milliseconds, rounded down; {@code "0"} once expired
     */
    public static String formatHeader(Duration remaining) {
        return Long.toString(Math.max(0, remaining.toMillis()));
    }

    /**
     * Parses gRPC's {@value #GRPC_HEADER} header value.
     *
     * @param value the header's value, such as {@code 250m}; {@code null} when the request has none
     * @return the time left, or {@code null} when the value is malformed
     */
    public static @Nullable Duration parseGrpcHeader(@Nullable String value) {
        if (value == null || value.length() < 2 || value.length() > 9) {
            return null;
        }
        final String digits = value.substring(0, value.length() - 1);
        for (int i = 0; i < digits.length(); i++) {
            final char c = digits.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
        }
        final long amount = Long.parseLong(digits);
        switch (value.charAt(value.length() - 1)) {
            case 'H':
                return Duration.ofHours(amount);
            case 'M':
                return Duration.ofMinutes(amount);
            case 'S':
                return Duration.ofSeconds(amount);
            case 'm':
                return Duration.ofMillis(amount);
            case 'u':
                return Duration.ofNanos(amount * 1000);
            case 'n':
                return Duration.ofNanos(amount);
            default:
                return null;
        }
    }

    /**
     * Formats the time left for gRPC's {@value #GRPC_HEADER} header, in the finest unit that fits 8 digits.
     *
     * @param remaining the time left; a negative one is formatted as {@code 0n}
     * @return the header value, such as {@code 250000u}
     */
    public static String formatGrpcHeader(Duration remaining) {
        final long nanos = Math.max(0, remaining.toNanos());
        if (nanos <= GRPC_MAX_VALUE) {
            return nanos + "n";
        }
        final long micros = nanos / 1000;
        if (micros <= GRPC_MAX_VALUE) {
            return micros + "u";
        }
        final long millis = micros / 1000;
        if (millis <= GRPC_MAX_VALUE) {
            return millis + "m";
        }
        final long seconds = millis / 1000;
        return seconds <= GRPC_MAX_VALUE ? seconds + "S" : Math.min(seconds / 60, GRPC_MAX_VALUE) + "M";
    }

    @Override
    public String toString() {
        return "Deadline(" + remaining().toMillis() + "ms left)";
    }
}
