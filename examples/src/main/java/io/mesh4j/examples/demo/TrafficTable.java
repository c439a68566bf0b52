package io.mesh4j.examples.demo;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;

/**
 * Prints one interval of traffic as a table: a row per service with its rate, success and latency, and a row
 * per instance with its share of the attempts, drawn as a bar.
 */
final class TrafficTable {

    private static final int BAR_WIDTH = 30;
    private static final String ROW = "  %-10s %7s %9s %9s %9s   %-22s %6s  %s%n";

    private final PrintStream out;
    private final Map<String, String> instanceNotes;

    /**
     * @param instanceNotes words to print beside an instance's id, such as "(+40 ms)"
     */
    TrafficTable(PrintStream out, Map<String, String> instanceNotes) {
        this.out = out;
        this.instanceNotes = instanceNotes;
    }

    void print(String title, double seconds, Map<String, TrafficStats.Interval> intervals, List<String> services) {
        out.println();
        out.println("── " + title + " " + "─".repeat(Math.max(3, 98 - title.length())));
        out.printf(ROW, "service", "req/s", "success", "p50", "p99", "instance", "share", "");
        for (String service : services) {
            final TrafficStats.Interval interval = intervals.get(service);
            if (interval == null || interval.calls == 0) {
                out.printf(ROW, service, "0", "-", "-", "-", "", "", "");
                continue;
            }
            final long attempts = interval.attemptsPerInstance.values().stream()
                    .mapToLong(Long::longValue)
                    .sum();
            boolean first = true;
            for (Map.Entry<String, Long> instance : interval.attemptsPerInstance.entrySet()) {
                final double share = attempts == 0 ? 0 : (double) instance.getValue() / attempts;
                final String name = instance.getKey() + instanceNotes.getOrDefault(instance.getKey(), "");
                if (first) {
                    out.printf(
                            ROW,
                            service,
                            Math.round(interval.calls / seconds),
                            percent(1 - (double) interval.failures / interval.calls),
                            millis(interval.latencyMicros, 50),
                            millis(interval.latencyMicros, 99),
                            name,
                            percent(share),
                            bar(share));
                    first = false;
                } else {
                    out.printf(ROW, "", "", "", "", "", name, percent(share), bar(share));
                }
            }
        }
    }

    private static String percent(double share) {
        return String.format("%.1f%%", share * 100);
    }

    private static String millis(Histogram micros, double percentile) {
        return String.format("%.1fms", micros.getValueAtPercentile(percentile) / 1000.0);
    }

    private static String bar(double share) {
        final int full = (int) Math.round(share * BAR_WIDTH);
        return "█".repeat(full) + "·".repeat(BAR_WIDTH - full);
    }
}
