package io.mesh4j.benchmarks.report;

import java.util.Locale;

/**
 * How numbers read in the tables: thousands separated, as few digits as carry meaning.
 */
public final class Units {

    /** {@code 12,345} */
    public static String count(double value) {
        return String.format(Locale.ROOT, "%,.0f", value);
    }

    /** Three significant digits at most, {@code 0.123}, {@code 12.3}, {@code 1,234}. */
    public static String decimal(double value) {
        final double abs = Math.abs(value);
        if (abs >= 100 || abs == 0) {
            return count(value);
        }
        if (abs >= 10) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        if (abs >= 1) {
            return String.format(Locale.ROOT, "%.2f", value);
        }
        return String.format(Locale.ROOT, "%.3f", value);
    }

    /** A difference, signed, three significant digits at most: {@code +3.12}, {@code -0.512}, {@code +1,234}. */
    public static String signedDecimal(double value) {
        final String decimal = decimal(value);
        // A difference that rounds to zero reads 0, not +0.000.
        return value > 0 && decimal.chars().anyMatch(c -> c >= '1' && c <= '9') ? "+" + decimal : decimal;
    }

    /** A difference, signed, with no decimals: {@code +1,234}, {@code -56}. */
    public static String signedCount(double value) {
        final String count = count(value);
        return value > 0 && !"0".equals(count) ? "+" + count : count;
    }

    /** A relative change, given as a fraction: {@code +4.1 %} for 0.041. */
    public static String signedPercent(double fraction) {
        return String.format(Locale.ROOT, "%+.1f %%", fraction * 100);
    }

    /** A ratio, {@code 0.87×}. */
    public static String ratio(double value) {
        return String.format(Locale.ROOT, "%.2f×", value);
    }

    /** Microseconds, from nanoseconds or microseconds given as micros: {@code 412 µs}, {@code 2.31 ms}. */
    public static String micros(double micros) {
        if (Math.abs(micros) >= 10_000) {
            return String.format(Locale.ROOT, "%.1f ms", micros / 1000);
        }
        if (Math.abs(micros) >= 1_000) {
            return String.format(Locale.ROOT, "%.2f ms", micros / 1000);
        }
        return String.format(Locale.ROOT, "%.0f µs", micros);
    }

    /** Mebibytes, {@code 123 MiB}. */
    public static String mebibytes(double bytes) {
        return String.format(Locale.ROOT, "%.0f MiB", bytes / (1024 * 1024));
    }

    private Units() {}
}
