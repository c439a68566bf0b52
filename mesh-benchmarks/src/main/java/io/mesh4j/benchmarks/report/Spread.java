package io.mesh4j.benchmarks.report;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.List;
import java.util.function.DoubleFunction;

/**
 * The rounds of one measurement: their median, which is what the tables compare, and their range, which says how
 * much to trust it on a noisy machine.
 */
public final class Spread {

    private final double[] sorted;

    private Spread(double[] sorted) {
        this.sorted = sorted;
    }

    public static Spread of(List<Double> rounds) {
        requireNonNull(rounds, "rounds");
        if (rounds.isEmpty()) {
            throw new IllegalArgumentException("rounds: empty (expected: at least one)");
        }
        final double[] sorted = rounds.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        return new Spread(sorted);
    }

    public double median() {
        final int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    public double min() {
        return sorted[0];
    }

    public double max() {
        return sorted[sorted.length - 1];
    }

    public int rounds() {
        return sorted.length;
    }

    /** The median, then the range in brackets when there was more than one round: {@code 1,234 (1,200–1,260)}. */
    public String format(DoubleFunction<String> number) {
        if (sorted.length == 1) {
            return number.apply(median());
        }
        return number.apply(median()) + " (" + number.apply(min()) + '–' + number.apply(max()) + ')';
    }

    @Override
    public String toString() {
        return format(Units::decimal);
    }
}
