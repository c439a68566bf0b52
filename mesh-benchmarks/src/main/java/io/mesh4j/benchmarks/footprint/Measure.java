package io.mesh4j.benchmarks.footprint;

import java.util.Locale;
import java.util.function.DoubleFunction;

/**
 * What the footprint benchmark measures of each process, how, and how it reads in the tables.
 */
public enum Measure {
    TIME_TO_READY("time to ready", Measure::seconds),
    TIME_TO_MAIN("of which JVM start to main()", Measure::seconds),
    RSS("RSS after a full GC", Measure::mebibytes),
    PEAK_RSS("peak RSS (start and load)", Measure::mebibytes),
    LIVE_HEAP("live heap after a full GC", Measure::mebibytes),
    COMMITTED_HEAP("committed heap after a full GC", Measure::mebibytes),
    METASPACE("committed metaspace", Measure::mebibytes),
    CLASSES("loaded classes", Measure::count),
    THREADS("threads", Measure::count),
    PEAK_HEAP_UNDER_LOAD("peak heap in use under load", Measure::mebibytes),
    ALLOCATED_PER_REQUEST("allocated per request", Measure::kibibytes),
    GCS_UNDER_LOAD("collections under load", Measure::count);

    private final String label;
    private final DoubleFunction<String> format;

    Measure(String label, DoubleFunction<String> format) {
        this.label = label;
        this.format = format;
    }

    public String label() {
        return label;
    }

    /** A value of this measure: {@code 1.23 s}, {@code 45.6 MiB}, {@code 2,000}. */
    public String format(double value) {
        return format.apply(value);
    }

    /** A difference of this measure, signed: {@code +1.10 s}, {@code -0.3 MiB}. */
    public String formatDifference(double value) {
        return (value >= 0 ? "+" : "") + format.apply(value);
    }

    static String seconds(double nanos) {
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }

    static String mebibytes(double bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024 * 1024));
    }

    static String kibibytes(double bytes) {
        return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024);
    }

    static String count(double value) {
        return String.format(Locale.ROOT, "%,.0f", value);
    }
}
