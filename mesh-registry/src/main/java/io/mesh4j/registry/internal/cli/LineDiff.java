package io.mesh4j.registry.internal.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * The lines two texts differ by, as {@code diff -u} shows them without hunks: every line, a {@code -} before one
 * only the old text has, a {@code +} before one only the new has. Route configs and policies are a few dozen lines:
 * the longest common subsequence, by its quadratic table, is plenty.
 */
final class LineDiff {

    /** The lines of the diff of {@code before} and {@code after}; empty when they are the same. */
    static List<String> of(List<String> before, List<String> after) {
        if (before.equals(after)) {
            return List.of();
        }
        final int n = before.size();
        final int m = after.size();
        // common[i][j]: the length of the longest common subsequence of before[i..] and after[j..].
        final int[][] common = new int[n + 1][m + 1];
        for (int i = n - 1; i >= 0; i--) {
            for (int j = m - 1; j >= 0; j--) {
                common[i][j] = before.get(i).equals(after.get(j))
                        ? common[i + 1][j + 1] + 1
                        : Math.max(common[i + 1][j], common[i][j + 1]);
            }
        }
        final List<String> lines = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && before.get(i).equals(after.get(j))) {
                lines.add("  " + before.get(i++));
                j++;
            } else if (i < n && (j == m || common[i + 1][j] >= common[i][j + 1])) {
                // What goes before what comes, as diff -u prints a change.
                lines.add("- " + before.get(i++));
            } else {
                lines.add("+ " + after.get(j++));
            }
        }
        return lines;
    }

    private LineDiff() {}
}
