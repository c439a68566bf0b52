package io.mesh4j.benchmarks.balancer;

import static io.mesh4j.benchmarks.balancer.BalancerResults.forCase;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import io.mesh4j.benchmarks.load.Histograms;
import io.mesh4j.benchmarks.report.Goal;
import io.mesh4j.benchmarks.report.Spread;
import io.mesh4j.benchmarks.report.Table;
import io.mesh4j.benchmarks.report.Units;

/**
 * The balancer benchmark's tables: latency per balancer, each instance's share of the answers, and the issue's
 * goal, P2C-EWMA's p99 within 1.2× the ideal's.
 */
final class BalancerReport {

    private final BalancerResults results;

    BalancerReport(BalancerResults results) {
        this.results = results;
    }

    String render(String setup) {
        final StringBuilder out = new StringBuilder();
        out.append("## Balancer quality\n\n").append(setup).append("\n\n");
        out.append("### Latency at ")
                .append(Units.count(results.rate))
                .append(" requests/s, from when each request was due (median of the rounds, range in brackets)\n\n")
                .append(latency())
                .append('\n');
        out.append("### Share of the answers each instance gave (all rounds)\n\n")
                .append(shares())
                .append('\n');
        out.append("### Goal\n\n").append(goal());
        return out.toString();
    }

    private Table latency() {
        final List<String> header = new ArrayList<>(List.of("balancer"));
        for (double p : BalancerResults.PERCENTILES) {
            header.add("p" + Units.decimal(p).replaceAll("\\.0+$", ""));
        }
        header.add("p99 / ideal");
        header.add("failed");
        header.add("generator late, p99");
        final Table table = Table.of(header.toArray(String[]::new));
        final double idealP99 = p99(BalancerCase.IDEAL);
        for (BalancerCase c : results.cases()) {
            final List<String> row = new ArrayList<>(List.of(c.label()));
            for (List<Double> rounds : forCase(results.percentiles, c)) {
                row.add(Spread.of(rounds).format(Units::micros));
            }
            row.add(Double.isNaN(idealP99) ? "–" : Units.ratio(p99(c) / idealP99));
            row.add(Units.count(forCase(results.errors, c)));
            row.add(Units.micros(Histograms.micros(forCase(results.sendLag, c), 99)));
            table.row(row);
        }
        return table;
    }

    private Table shares() {
        final List<String> header = new ArrayList<>(List.of("balancer"));
        header.addAll(results.instances);
        header.add(results.instances.get(results.instances.size() - 1) + ", each round");
        final Table table = Table.of(header.toArray(String[]::new));
        for (BalancerCase c : results.cases()) {
            final Map<String, Long> answers = forCase(results.answersByInstance, c);
            final double total = Math.max(
                    1, answers.values().stream().mapToLong(Long::longValue).sum());
            final List<String> row = new ArrayList<>(List.of(c.label()));
            answers.values().forEach(count -> row.add(String.format(Locale.ROOT, "%.1f %%", count * 100 / total)));
            row.add(forCase(results.slowShareByRound, c).stream()
                    .map(share -> String.format(Locale.ROOT, "%.1f %%", share * 100))
                    .collect(Collectors.joining(", ")));
            table.row(row);
        }
        return table;
    }

    private Table goal() {
        final Table table = Table.of("goal", "measured", "verdict");
        if (results.percentiles.containsKey(BalancerCase.P2C_EWMA)
                && results.percentiles.containsKey(BalancerCase.IDEAL)) {
            table.row(Goal.atMost(
                            "with one slow instance in five, P2C-EWMA p99 within 1.2× the ideal",
                            1.2,
                            p99(BalancerCase.P2C_EWMA) / p99(BalancerCase.IDEAL),
                            Units::ratio)
                    .withWhere(Units.micros(p99(BalancerCase.P2C_EWMA)) + " against "
                            + Units.micros(p99(BalancerCase.IDEAL)))
                    .cells());
        }
        return table;
    }

    /** The median over the rounds of {@code c}'s p99, in microseconds; NaN when {@code c} did not run. */
    private double p99(BalancerCase c) {
        final List<List<Double>> perPercentile = results.percentiles.get(c);
        return perPercentile == null
                ? Double.NaN
                : Spread.of(perPercentile.get(2)).median();
    }
}
