package io.mesh4j.benchmarks.report;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A table for people: a Markdown pipe table with its columns padded, so that it reads the same in a terminal and
 * in BENCHMARKS.md. The first column is aligned left (or the first few, {@link #alignLeft(int)}), the others right,
 * as numbers are.
 */
public final class Table {

    private final String[] header;
    private final List<String[]> rows = new ArrayList<>();
    private int leftAligned = 1;

    private Table(String[] header) {
        this.header = header;
    }

    public static Table of(String... header) {
        if (header.length == 0) {
            throw new IllegalArgumentException("header: empty (expected: at least one column)");
        }
        return new Table(header.clone());
    }

    /**
     * Aligns the first {@code columns} columns left, for tables whose first few columns are names, not numbers.
     */
    public Table alignLeft(int columns) {
        if (columns < 1 || columns > header.length) {
            throw new IllegalArgumentException("columns: " + columns + " (expected: 1.." + header.length + ')');
        }
        leftAligned = columns;
        return this;
    }

    /**
     * Adds a row; a row shorter than the header is padded with empty cells.
     */
    public Table row(String... cells) {
        requireNonNull(cells, "cells");
        if (cells.length > header.length) {
            throw new IllegalArgumentException(
                    "a row of " + cells.length + " cells (expected: at most " + header.length + ')');
        }
        final String[] row = Arrays.copyOf(cells, header.length);
        for (int i = 0; i < row.length; i++) {
            if (row[i] == null) {
                row[i] = "";
            }
        }
        rows.add(row);
        return this;
    }

    public Table row(List<String> cells) {
        return row(cells.toArray(String[]::new));
    }

    @Override
    public String toString() {
        final int[] widths = new int[header.length];
        for (int i = 0; i < header.length; i++) {
            widths[i] = Math.max(3, header[i].length());
            for (String[] row : rows) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        final StringBuilder out = new StringBuilder();
        line(out, header, widths);
        out.append('|');
        for (int i = 0; i < widths.length; i++) {
            out.append(i < leftAligned ? ":" : "-")
                    .append("-".repeat(widths[i]))
                    .append(i < leftAligned ? "-" : ":")
                    .append('|');
        }
        out.append('\n');
        rows.forEach(row -> line(out, row, widths));
        return out.toString();
    }

    private void line(StringBuilder out, String[] cells, int[] widths) {
        out.append('|');
        for (int i = 0; i < cells.length; i++) {
            final String pad = " ".repeat(widths[i] - cells[i].length());
            out.append(' ')
                    .append(i < leftAligned ? cells[i] + pad : pad + cells[i])
                    .append(" |");
        }
        out.append('\n');
    }
}
