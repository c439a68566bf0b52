package io.mesh4j.benchmarks.hop;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import io.mesh4j.benchmarks.report.Spread;
import io.mesh4j.benchmarks.report.Table;
import io.mesh4j.benchmarks.report.Units;

/**
 * The layer prices' tables: what removing each layer saves against the full mesh path (c), with (c) itself and raw
 * mTLS (b) as anchors, and the bytes a request allocates on (b) and (c). Every difference is taken within a round,
 * against the (c) measurements around it ({@link LayerPriceRun}); the tables show the median of the rounds with
 * their range in brackets. A range that spans zero is a layer whose price this machine's noise hides.
 */
final class LayerPriceReport {

    private final LayerPriceResults results;

    LayerPriceReport(LayerPriceResults results) {
        this.results = results;
    }

    String render(String machine) {
        final StringBuilder out = new StringBuilder();
        out.append("## Price of each layer\n\n")
                .append(machine)
                .append("; ")
                .append(results.rounds())
                .append(" rounds. Each row is (c) with one layer removed, measured between two measurements of (c) "
                        + "and compared with their mean, round by round; median of the rounds, (min–max) beside it. "
                        + "CPU and allocation per request at ")
                .append(Units.count(results.rate))
                .append(" req/s, in the client and the server process (every thread, the load generator's "
                        + "included, which is the same on every path); throughput at ")
                .append(results.concurrency)
                .append(" in flight.\n\n");
        out.append("### What removing one layer saves\n\n")
                .append(prices())
                .append(
                        "\nA range that spans zero is a price this machine's noise hides: look at the rounds' range before "
                                + "the median. Each path is one HTTP/2 connection for the whole run, served by one event loop in "
                                + "each process, so a path can be luckier or unluckier than (c) in where those land, in every "
                                + "round alike: read throughput differences of a few percent with that in mind.\n\n");
        out.append(String.format(
                        Locale.ROOT,
                        "### Allocation per request at %s requests/s (bytes, every thread of the process)%n%n",
                        Units.count(results.rate)))
                .append(allocation());
        final Map<String, Long> errors = errors();
        if (!errors.isEmpty()) {
            out.append(String.format(
                    Locale.ROOT,
                    "%n**%,d requests failed** in the measured windows (%s); see the logs.%n",
                    results.errors(),
                    errors));
        }
        return out.toString();
    }

    private Table prices() {
        final Table table = Table.of(
                        "side",
                        "layer removed",
                        "CPU saved (µs/request)",
                        "client",
                        "server",
                        "throughput at " + results.concurrency + " in flight",
                        "allocation saved (bytes/request)")
                .alignLeft(2);
        final ToDoubleFunction<LayerPriceResults.Sample> cpu = LayerPriceResults.Sample::cpuMicros;
        final ToDoubleFunction<LayerPriceResults.Sample> clientCpu = LayerPriceResults.Sample::clientCpuMicros;
        final ToDoubleFunction<LayerPriceResults.Sample> serverCpu = LayerPriceResults.Sample::serverCpuMicros;
        final ToDoubleFunction<LayerPriceResults.Sample> bytes = LayerPriceResults.Sample::bytes;
        final List<LayerPriceResults.Sample> references = results.references;
        table.row(
                "",
                HopPath.MESH.label() + ", none removed: what a request costs",
                absolute(references, cpu).format(Units::decimal),
                absolute(references, clientCpu).format(Units::decimal),
                absolute(references, serverCpu).format(Units::decimal),
                absolute(references, LayerPriceResults.Sample::throughput).format(Units::count) + " req/s",
                absolute(references, bytes).format(Units::count));
        for (StackVariant variant : results.variants) {
            table.row(
                    variant.side().id(),
                    variant.role().name(),
                    saved(variant, cpu).format(Units::signedDecimal),
                    saved(variant, clientCpu).format(Units::signedDecimal),
                    saved(variant, serverCpu).format(Units::signedDecimal),
                    gained(variant).format(Units::signedPercent),
                    saved(variant, bytes).format(Units::signedCount));
        }
        if (results.variants.size() > 1) {
            table.row(
                    "",
                    "sum of the " + results.variants.size() + " layers above",
                    savedByAll(cpu).format(Units::signedDecimal),
                    savedByAll(clientCpu).format(Units::signedDecimal),
                    savedByAll(serverCpu).format(Units::signedDecimal),
                    "",
                    savedByAll(bytes).format(Units::signedCount));
        }
        table.row(
                "both",
                HopPath.TLS.label() + ": every layer and the mesh's plumbing removed",
                saved(HopPath.TLS, cpu).format(Units::signedDecimal),
                saved(HopPath.TLS, clientCpu).format(Units::signedDecimal),
                saved(HopPath.TLS, serverCpu).format(Units::signedDecimal),
                gained(HopPath.TLS).format(Units::signedPercent),
                saved(HopPath.TLS, bytes).format(Units::signedCount));
        return table;
    }

    private Table allocation() {
        final Table table = Table.of("path", "client", "server", "total");
        final List<LayerPriceResults.Paired> tls = PerHopResults.measured(results.paired, HopPath.TLS);
        table.row(
                HopPath.TLS.label(),
                spread(tls, pair -> pair.measured().clientBytes()).format(Units::count),
                spread(tls, pair -> pair.measured().serverBytes()).format(Units::count),
                spread(tls, pair -> pair.measured().bytes()).format(Units::count));
        // (c) here is the mean of the (c) measurements around each (b), so that the difference is within a round.
        table.row(
                HopPath.MESH.label(),
                spread(tls, pair -> pair.reference().clientBytes()).format(Units::count),
                spread(tls, pair -> pair.reference().serverBytes()).format(Units::count),
                spread(tls, pair -> pair.reference().bytes()).format(Units::count));
        table.row(
                "(c) − (b): what the mesh allocates",
                saved(HopPath.TLS, LayerPriceResults.Sample::clientBytes).format(Units::signedCount),
                saved(HopPath.TLS, LayerPriceResults.Sample::serverBytes).format(Units::signedCount),
                saved(HopPath.TLS, LayerPriceResults.Sample::bytes).format(Units::signedCount));
        return table;
    }

    /** The reference's value less the path's, round by round: what removing the layer saved. */
    private Spread saved(HopTarget target, ToDoubleFunction<LayerPriceResults.Sample> value) {
        return spread(
                PerHopResults.measured(results.paired, target),
                pair -> value.applyAsDouble(pair.reference()) - value.applyAsDouble(pair.measured()));
    }

    /** The path's throughput relative to its reference's, round by round: {@code 0.04} for 4 % more. */
    private Spread gained(HopTarget target) {
        return spread(
                PerHopResults.measured(results.paired, target),
                pair -> pair.reference().throughput() > 0
                        ? pair.measured().throughput() / pair.reference().throughput() - 1
                        : 0);
    }

    /** The sum of every layer's saving, round by round. */
    private Spread savedByAll(ToDoubleFunction<LayerPriceResults.Sample> value) {
        final List<Double> sums = new ArrayList<>();
        for (int round = 0; round < results.rounds(); round++) {
            double sum = 0;
            for (StackVariant variant : results.variants) {
                final LayerPriceResults.Paired pair =
                        PerHopResults.measured(results.paired, variant).get(round);
                sum += value.applyAsDouble(pair.reference()) - value.applyAsDouble(pair.measured());
            }
            sums.add(sum);
        }
        return Spread.of(sums);
    }

    private static Spread absolute(
            List<LayerPriceResults.Sample> samples, ToDoubleFunction<LayerPriceResults.Sample> value) {
        return Spread.of(samples.stream().map(value::applyAsDouble).toList());
    }

    private static Spread spread(
            List<LayerPriceResults.Paired> pairs, ToDoubleFunction<LayerPriceResults.Paired> value) {
        return Spread.of(pairs.stream().map(value::applyAsDouble).toList());
    }

    private Map<String, Long> errors() {
        final Map<String, Long> errors = new LinkedHashMap<>();
        final long mesh = results.references.stream()
                .mapToLong(LayerPriceResults.Sample::errors)
                .sum();
        if (mesh > 0) {
            errors.put(HopPath.MESH.label(), mesh);
        }
        results.paired.forEach((target, pairs) -> {
            final long failed =
                    pairs.stream().mapToLong(pair -> pair.measured().errors()).sum();
            if (failed > 0) {
                errors.put(target.label(), failed);
            }
        });
        return errors;
    }
}
