package io.mesh4j.registry.internal.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Prints a stat answer of the registry ({@code GET /v1/stats/...}) as a table, in the style of
 * {@code linkerd viz stat}: one row per service, route or edge, with its rate, success and latency.
 */
final class StatTable {

    /** Prints {@code answer}'s rows, by what the answer says they are by: service, route or edge. */
    static void print(JsonNode answer, PrintWriter out) {
        final String by = answer.path("by").asText("service");
        final List<String> header = new ArrayList<>();
        switch (by) {
            case "edge" -> {
                header.add("FROM");
                header.add("TO");
            }
            case "route" -> {
                header.add("SERVICE");
                header.add("ROUTE");
            }
            default -> header.add("SERVICE");
        }
        header.addAll(
                List.of("RPS", "SUCCESS", "REQUESTS", "P50", "P95", "P99", "RETRIES", "DENIED", "EJECTED", "SEEN BY"));
        final List<List<String>> rows = new ArrayList<>();
        rows.add(header);
        for (JsonNode row : answer.path("rows")) {
            final List<String> cells = new ArrayList<>();
            switch (by) {
                case "edge" -> {
                    cells.add(row.path("caller").asText());
                    cells.add(row.path("service").asText());
                }
                case "route" -> {
                    cells.add(row.path("service").asText());
                    cells.add(row.path("route").asText());
                }
                default -> cells.add(row.path("service").asText());
            }
            cells.add(String.format(Locale.ROOT, "%.2f", row.path("rps").asDouble()));
            cells.add(
                    row.path("successRate").isNull()
                            ? "-"
                            : String.format(
                                    Locale.ROOT,
                                    "%.2f%%",
                                    100 * row.path("successRate").asDouble()));
            cells.add(Long.toString(row.path("requests").asLong()));
            final JsonNode latency = row.path("latencyMs");
            for (String quantile : List.of("p50", "p95", "p99")) {
                cells.add(
                        row.path("requests").asLong() == 0
                                ? "-"
                                : millis(latency.path(quantile).asDouble()));
            }
            cells.add(Long.toString(row.path("retries").asLong()));
            cells.add(Long.toString(row.path("denials").asLong()));
            cells.add(Long.toString(row.path("ejections").asLong()));
            cells.add(row.path("measuredBy").asText());
            rows.add(cells);
        }
        print(rows, out);
        if (rows.size() == 1) {
            out.println(
                    "(no traffic reported in the last " + answer.path("window").asText() + ")");
        }
    }

    /** Prints rows of cells in columns as wide as their widest cell. */
    static void print(List<List<String>> rows, PrintWriter out) {
        final int columns = rows.get(0).size();
        final int[] widths = new int[columns];
        for (List<String> row : rows) {
            for (int i = 0; i < columns; i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        for (List<String> row : rows) {
            final StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                line.append(row.get(i));
                if (i < columns - 1) {
                    line.append(" ".repeat(widths[i] - row.get(i).length() + 2));
                }
            }
            out.println(line);
        }
    }

    static String millis(double millis) {
        if (millis < 1) {
            return String.format(Locale.ROOT, "%.2fms", millis);
        }
        if (millis < 1000) {
            return String.format(Locale.ROOT, "%.0fms", millis);
        }
        return String.format(Locale.ROOT, "%.2fs", millis / 1000);
    }

    private StatTable() {}
}
