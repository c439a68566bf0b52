package io.mesh4j.benchmarks.report;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import java.util.function.DoubleFunction;

/**
 * One of the goals read against what was measured: met, or missed and by how much.
 */
public final class Goal {

    /** A measured value and where it was measured, such as {@code lowest at 64 in flight}. */
    public record Outcome(double value, String where) {}

    private final String description;
    private final double target;
    private final double measured;
    private final boolean atLeast;
    private final DoubleFunction<String> format;
    private final String where;

    private Goal(
            String description,
            double target,
            double measured,
            boolean atLeast,
            DoubleFunction<String> format,
            String where) {
        this.description = requireNonNull(description, "description");
        this.target = target;
        this.measured = measured;
        this.atLeast = atLeast;
        this.format = requireNonNull(format, "format");
        this.where = requireNonNull(where, "where");
    }

    /** A goal that the measured value must reach: a throughput, a ratio. */
    public static Goal atLeast(String description, double target, double measured, DoubleFunction<String> format) {
        return new Goal(description, target, measured, true, format, "");
    }

    /** A goal that the measured value must not pass: a latency, a ratio of latencies. */
    public static Goal atMost(String description, double target, double measured, DoubleFunction<String> format) {
        return new Goal(description, target, measured, false, format, "");
    }

    /** The same goal, saying where its value was measured. */
    public Goal withWhere(String where) {
        return new Goal(description, target, measured, atLeast, format, where);
    }

    public boolean met() {
        return atLeast ? measured >= target : measured <= target;
    }

    /** {@code met}, or {@code missed by 23 % (needs 0.90×)}. */
    public String verdict() {
        if (met()) {
            return "met";
        }
        final double by = atLeast ? (target - measured) / target : (measured - target) / target;
        return String.format(Locale.ROOT, "**missed** by %.0f %% (needs %s)", by * 100, format.apply(target));
    }

    /** The goal's row: description, measured value, verdict. */
    public String[] cells() {
        return new String[] {
            description, format.apply(measured) + (where.isEmpty() ? "" : " (" + where + ')'), verdict()
        };
    }
}
