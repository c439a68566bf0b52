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
    public static final String HEADER = "mesh-timeout-ms";

    private static final AttributeKey<Deadline> KEY = AttributeKey.valueOf(Deadline.class, "DEADLINE");

    private final long deadlineNanos;
    private final Ticker ticker;

    private Deadline(long deadlineNanos, Ticker ticker) {
        this.deadlineNanos = deadlineNanos;
        this.ticker = ticker;
    }

    /**
     * The deadline {@code timeout} from now.
     */
    public static Deadline after(Duration timeout, Ticker ticker) {
        requireNonNull(timeout, "timeout");
        requireNonNull(ticker, "ticker");
        return new Deadline(ticker.read() + timeout.toNanos(), ticker);
    }

    /**
     * The deadline of the request being handled in {@code ctx}, if its caller sent one.
     */
    public static @Nullable Deadline of(RequestContext ctx) {
        return ctx.attr(KEY);
    }

    /**
     * Attaches this deadline to {@code ctx}, so that calls made while handling the request inherit it.
     */
    public void attachTo(RequestContext ctx) {
        ctx.setAttr(KEY, this);
    }

    /**
     * The time left, zero or negative once expired.
     */
    public Duration remaining() {
        return Duration.ofNanos(deadlineNanos - ticker.read());
    }

    public boolean isExpired() {
        return deadlineNanos - ticker.read() <= 0;
    }

    /**
     * Parses the {@value #HEADER} header value.
     *
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
     */
    public static String formatHeader(Duration remaining) {
        return Long.toString(Math.max(0, remaining.toMillis()));
    }

    @Override
    public String toString() {
        return "Deadline(" + remaining().toMillis() + "ms left)";
    }
}
