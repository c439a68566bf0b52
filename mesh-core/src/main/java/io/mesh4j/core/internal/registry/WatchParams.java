package io.mesh4j.core.internal.registry;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The query parameters of a watch: {@code index}, the index of the answer the caller already has, and
 * {@code wait}, how long the registry may hold the call open (such as {@code 30s}, {@code 500ms} or
 * {@code 2m}).
 */
public final class WatchParams {

    /** The longest a watch may be held (as in Consul); a longer one is refused rather than cut short. */
    public static final Duration MAX_WAIT = Duration.ofMinutes(10);

    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);

    private static final Pattern FORMAT = Pattern.compile("([0-9]{1,9})(ms|s|m)");

    /**
     * Parses a wait such as {@code 30s}.
     *
     * @throws InvalidInputException if it does not parse or is longer than {@link #MAX_WAIT}
     */
    public static Duration parseWait(String text) {
        final Matcher m = FORMAT.matcher(text);
        if (!m.matches()) {
            throw new InvalidInputException(
                    ErrorCode.INVALID_QUERY,
                    "wait: '" + abbreviate(text) + "' (expected: a whole number followed by ms, s or m, such as "
                            + "30s or 500ms; at most 10m)");
        }
        final long amount = Long.parseLong(m.group(1));
        final Duration wait;
        switch (m.group(2)) {
            case "ms":
                wait = Duration.ofMillis(amount);
                break;
            case "s":
                wait = Duration.ofSeconds(amount);
                break;
            default:
                wait = Duration.ofMinutes(amount);
                break;
        }
        if (wait.compareTo(MAX_WAIT) > 0) {
            throw new InvalidInputException(ErrorCode.INVALID_QUERY, "wait: " + text + " (expected: at most 10m)");
        }
        return wait;
    }

    /**
     * Formats a wait so that {@link #parseWait(String)} reads it back.
     */
    public static String formatWait(Duration wait) {
        final long millis = wait.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    /**
     * Parses the {@code index} query parameter.
     *
     * @throws InvalidInputException if it is not a whole number >= 0
     */
    public static long parseIndex(String text) {
        try {
            final long index = Long.parseLong(text);
            if (index >= 0) {
                return index;
            }
        } catch (NumberFormatException ignored) {
            // Falls through to the error below.
        }
        throw new InvalidInputException(
                ErrorCode.INVALID_QUERY,
                "index: '" + abbreviate(text) + "' (expected: a whole number >= 0, "
                        + "the X-Mesh-Index of the previous answer)");
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    private WatchParams() {}
}
