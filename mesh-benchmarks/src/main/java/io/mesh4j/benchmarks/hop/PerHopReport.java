package io.mesh4j.benchmarks.hop;

import static io.mesh4j.benchmarks.hop.PerHopResults.measured;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import org.jspecify.annotations.Nullable;

import io.mesh4j.benchmarks.hop.PerHopResults.RatePhase;
import io.mesh4j.benchmarks.report.Goal;
import io.mesh4j.benchmarks.report.Spread;
import io.mesh4j.benchmarks.report.Table;
import io.mesh4j.benchmarks.report.Units;

/**
 * The per-hop benchmark's tables: absolute numbers per path, the ratios (c)/(b) and (c)/(d), the gRPC and TCP ones
 * (f)/(e) and (h)/(g) when those paths ran, and the goals read against them. Every number is the median of
 * the rounds, with their range in brackets; a ratio is taken within each round first, between paths measured
 * minutes apart at most, and then its median.
 */
final class PerHopReport {

    static final String CLIENT = "client";
    static final String SERVER = "server";
    static final String CLIENT_SIDECAR = "client sidecar";
    static final String SERVER_SIDECAR = "server sidecar";

    private static final double[] PERCENTILES = {50, 90, 99, 99.9};

    private final PerHopResults results;

    PerHopReport(PerHopResults results) {
        this.results = results;
    }

    String render(String machine) {
        final StringBuilder out = new StringBuilder();
        out.append("## Per-hop overhead\n\n")
                .append(machine)
                .append("; ")
                .append(results.rounds())
                .append(" rounds, paths interleaved; median of the ")
                .append("rounds, (min–max) beside it.\n\n");
        out.append("### Throughput at a fixed concurrency (requests/s)\n\n")
                .append(throughput())
                .append('\n');
        out.append(String.format(
                        Locale.ROOT,
                        "### Latency at %,d requests/s (µs, coordinated omission corrected)%n%n",
                        results.rate))
                .append(latency())
                .append('\n');
        out.append(String.format(
                        Locale.ROOT, "### CPU seconds per 10,000 requests, at %,d requests/s%n%n", results.rate))
                .append(cpu())
                .append('\n');
        if (!protocolPairs().isEmpty()) {
            out.append(String.format(
                            Locale.ROOT,
                            "### The mesh over the raw path, by protocol (throughput at a concurrency; CPU and "
                                    + "latency at %,d requests/s)%n%n",
                            results.rate))
                    .append(byProtocol())
                    .append('\n');
        }
        out.append("### Resident memory at the end of the run\n\n")
                .append(memory())
                .append('\n');
        // The goals read (c) against (b) and (d): a run of other paths only has none to read.
        if (has(HopPath.MESH) && (has(HopPath.TLS) || has(HopPath.SIDECARS))) {
            out.append("### Goals\n\n").append(goals()).append('\n');
        }
        out.append("### Is the load generator the bottleneck?\n\n").append(generator());
        if (results.errors > 0) {
            out.append(String.format(
                    Locale.ROOT, "%n**%,d requests failed** in the measured windows; see the logs.%n", results.errors));
        }
        return out.toString();
    }

    private Table throughput() {
        final List<String> header = new ArrayList<>(List.of("in flight"));
        results.paths.forEach(path -> header.add(path.label()));
        final boolean ratios = has(HopPath.MESH);
        if (ratios && has(HopPath.TLS)) {
            header.add("(c)/(b)");
        }
        if (ratios && has(HopPath.SIDECARS)) {
            header.add("(c)/(d)");
        }
        final List<Pair> protocolPairs = protocolPairs();
        protocolPairs.forEach(pair -> header.add(pair.ratioName()));
        final Table table = Table.of(header.toArray(String[]::new));
        for (int concurrency : results.concurrencies) {
            final Map<HopPath, List<Double>> rounds = results.throughput.get(concurrency);
            if (rounds == null) {
                continue;
            }
            final List<String> row = new ArrayList<>(List.of(Integer.toString(concurrency)));
            results.paths.forEach(
                    path -> row.add(Spread.of(measured(rounds, path)).format(Units::count)));
            if (ratios && has(HopPath.TLS)) {
                row.add(ratios(measured(rounds, HopPath.MESH), measured(rounds, HopPath.TLS))
                        .format(Units::ratio));
            }
            if (ratios && has(HopPath.SIDECARS)) {
                row.add(ratios(measured(rounds, HopPath.MESH), measured(rounds, HopPath.SIDECARS))
                        .format(Units::ratio));
            }
            protocolPairs.forEach(pair -> row.add(ratios(measured(rounds, pair.mesh()), measured(rounds, pair.raw()))
                    .format(Units::ratio)));
            table.row(row);
        }
        return table;
    }

    private Table latency() {
        // Each path against its raw path: (b) for HTTP, as ever; (e) and (g) for the gRPC and TCP ones.
        final Table table = Table.of("path", "p50", "p90", "p99", "p99.9", "max", addedHeader());
        for (HopPath path : results.paths) {
            final List<String> row = new ArrayList<>(List.of(path.label()));
            for (double percentile : PERCENTILES) {
                row.add(perRound(path, phase -> micros(phase, percentile)).format(Units::count));
            }
            row.add(perRound(path, phase -> phase.latency().getMaxValue() / 1e3).format(Units::count));
            final @Nullable HopPath raw = path.raw();
            final @Nullable Spread added = raw != null ? addedLatency(path, raw, 99) : null;
            row.add(added != null ? added.format(Units::count) : "");
            table.row(row);
        }
        return table;
    }

    /**
     * The added-latency column's name: {@code added p99 vs (b)} when only HTTP paths ran, as it always was; else
     * the raw paths it compares with, {@code added p99 vs raw: (b), (e), (g)}.
     */
    private String addedHeader() {
        if (protocolPairs().isEmpty()) {
            return "added p99 vs (b)";
        }
        final List<String> raws = new ArrayList<>();
        for (HopPath path : results.paths) {
            final @Nullable HopPath raw = path.raw();
            if (raw != null && has(raw) && !raws.contains('(' + raw.letter() + ')')) {
                raws.add('(' + raw.letter() + ')');
            }
        }
        return "added p99 vs raw: " + String.join(", ", raws.stream().sorted().toList());
    }

    private Table cpu() {
        final Table table = Table.of("path", CLIENT, SERVER, CLIENT_SIDECAR, SERVER_SIDECAR, "total", "machine busy");
        for (HopPath path : results.paths) {
            final List<String> row = new ArrayList<>(List.of(path.label()));
            for (String role : List.of(CLIENT, SERVER, CLIENT_SIDECAR, SERVER_SIDECAR)) {
                final boolean present = measured(results.ratePhases, path)
                        .get(0)
                        .cpuSecondsPer10k()
                        .containsKey(role);
                row.add(
                        present
                                ? perRound(
                                                path,
                                                phase ->
                                                        phase.cpuSecondsPer10k().get(role))
                                        .format(Units::decimal)
                                : "");
            }
            row.add(perRound(
                            path,
                            phase -> phase.cpuSecondsPer10k().values().stream()
                                    .mapToDouble(Double::doubleValue)
                                    .sum())
                    .format(Units::decimal));
            row.add(perRound(path, phase -> phase.machineBusy() * 100).format(Units::count) + " %");
            table.row(row);
        }
        return table;
    }

    /**
     * One row per protocol whose raw and mesh paths both ran: the ratios of throughput and of CPU per request
     * (client and server processes), and the latency the mesh adds, each taken within a round first.
     */
    private Table byProtocol() {
        final List<Pair> pairs = new ArrayList<>();
        if (has(HopPath.MESH) && has(HopPath.TLS)) {
            pairs.add(new Pair("HTTP", HopPath.MESH, HopPath.TLS));
        }
        pairs.addAll(protocolPairs());
        final List<String> header = new ArrayList<>(List.of("protocol", "mesh/raw"));
        results.concurrencies.forEach(concurrency -> header.add("throughput, " + concurrency + " in flight"));
        header.addAll(List.of("CPU per request", "added p50 (µs)", "added p99 (µs)"));
        final Table table = Table.of(header.toArray(String[]::new));
        for (Pair pair : pairs) {
            final List<String> row = new ArrayList<>(List.of(pair.protocol(), pair.ratioName()));
            for (int concurrency : results.concurrencies) {
                final Map<HopPath, List<Double>> rounds = measured(results.throughput, concurrency);
                row.add(ratios(measured(rounds, pair.mesh()), measured(rounds, pair.raw()))
                        .format(Units::ratio));
            }
            row.add(ratios(
                            hopCpu(measured(results.ratePhases, pair.mesh())),
                            hopCpu(measured(results.ratePhases, pair.raw())))
                    .format(Units::ratio));
            for (double percentile : new double[] {50, 99}) {
                final @Nullable Spread added = addedLatency(pair.mesh(), pair.raw(), percentile);
                row.add(added != null ? added.format(Units::count) : "");
            }
            table.row(row);
        }
        return table;
    }

    /** The gRPC and TCP pairs of this run: a protocol's mesh path beside its raw path, when both ran. */
    private List<Pair> protocolPairs() {
        final List<Pair> pairs = new ArrayList<>();
        if (has(HopPath.GRPC_MESH) && has(HopPath.GRPC_RAW)) {
            pairs.add(new Pair("gRPC unary", HopPath.GRPC_MESH, HopPath.GRPC_RAW));
        }
        if (has(HopPath.TCP_MESH) && has(HopPath.TCP_RAW)) {
            pairs.add(new Pair("TCP request–response", HopPath.TCP_MESH, HopPath.TCP_RAW));
        }
        return pairs;
    }

    /** A protocol's mesh path and the raw path it is priced against. */
    private record Pair(String protocol, HopPath mesh, HopPath raw) {
        /** {@code (f)/(e)} */
        String ratioName() {
            return '(' + mesh.letter() + ")/(" + raw.letter() + ')';
        }
    }

    private static List<Double> hopCpu(List<RatePhase> phases) {
        return phases.stream().map(PerHopReport::hopCpu).toList();
    }

    private Table memory() {
        final Table table = Table.of("process", "RSS", "peak RSS");
        results.memory.forEach((process, memory) ->
                table.row(process, Units.mebibytes(memory.rssBytes()), Units.mebibytes(memory.peakRssBytes())));
        return table;
    }

    /** Issue 12's goals: the mesh's cost per hop against raw Armeria mTLS and against the two-sidecar path. */
    private Table goals() {
        final Table table = Table.of("goal", "measured", "verdict");
        if (has(HopPath.MESH) && has(HopPath.TLS)) {
            final Goal.Outcome worst = worstThroughputRatio(HopPath.TLS, 1);
            table.row(Goal.atLeast(
                            "mesh throughput ≥ 0.85 × raw Armeria mTLS at every concurrency",
                            0.85,
                            worst.value(),
                            Units::ratio)
                    .withWhere(worst.where())
                    .cells());
            final @Nullable Spread cpu = addedCpuMicros(HopPath.MESH);
            if (cpu != null) {
                table.row(Goal.atMost(
                                "added CPU ≤ 25 µs per request per hop (client + server) at "
                                        + Units.count(results.rate) + " req/s",
                                25,
                                cpu.median(),
                                Units::micros)
                        .cells());
            }
            final @Nullable Spread p50 = addedLatency(HopPath.MESH, HopPath.TLS, 50);
            final @Nullable Spread p99 = addedLatency(HopPath.MESH, HopPath.TLS, 99);
            if (p50 != null && p99 != null) {
                table.row(Goal.atMost(
                                "added p50 ≤ 30 µs at " + Units.count(results.rate) + " req/s",
                                30,
                                p50.median(),
                                Units::micros)
                        .cells());
                table.row(Goal.atMost(
                                "added p99 ≤ 100 µs at " + Units.count(results.rate) + " req/s",
                                100,
                                p99.median(),
                                Units::micros)
                        .cells());
            }
        }
        if (has(HopPath.MESH) && has(HopPath.SIDECARS)) {
            if (results.concurrencies.contains(1)) {
                final double alone = ratioAt(1, HopPath.SIDECARS);
                table.row(Goal.atLeast("throughput ≥ 2 × the two-HAProxy path at 1 in flight", 2, alone, Units::ratio)
                        .cells());
            }
            final Goal.Outcome worst = worstThroughputRatio(HopPath.SIDECARS, 16);
            if (!worst.where().isEmpty()) {
                table.row(Goal.atLeast(
                                "throughput ≥ 1.3 × the two-HAProxy path at 16 in flight and more",
                                1.3,
                                worst.value(),
                                Units::ratio)
                        .withWhere(worst.where())
                        .cells());
            }
        }
        return table;
    }

    private String generator() {
        final Table table =
                Table.of("path", "send lag p50", "send lag p99", "machine busy at " + maxConcurrency() + " in flight");
        for (HopPath path : results.paths) {
            table.row(
                    path.label(),
                    perRound(path, phase -> phase.sendLag().getValueAtPercentile(50) / 1e3)
                                    .format(Units::count) + " µs",
                    perRound(path, phase -> phase.sendLag().getValueAtPercentile(99) / 1e3)
                                    .format(Units::count) + " µs",
                    Spread.of(measured(measured(results.throughputBusy, maxConcurrency()), path).stream()
                                            .map(busy -> busy * 100)
                                            .toList())
                                    .format(Units::count)
                            + " %");
        }
        return table + "\nThe send lag is how late the generator's pacing thread sent each request of the latency "
                + "phases; it is part of every latency above and the same on every path. At each concurrency the "
                + "same generator, in the same process, drove the fastest path faster than the others: what held "
                + "the slower paths back was not the generator's capacity.\n";
    }

    /** The lowest median ratio of (c) to {@code against} over the concurrencies from {@code from} on. */
    private Goal.Outcome worstThroughputRatio(HopPath against, int from) {
        Goal.Outcome worst = new Goal.Outcome(Double.MAX_VALUE, "");
        for (int concurrency : results.concurrencies) {
            if (concurrency < from) {
                continue;
            }
            final double ratio = ratioAt(concurrency, against);
            if (ratio < worst.value()) {
                worst = new Goal.Outcome(ratio, "lowest at " + concurrency + " in flight");
            }
        }
        return worst;
    }

    private double ratioAt(int concurrency, HopPath against) {
        final Map<HopPath, List<Double>> rounds = measured(results.throughput, concurrency);
        return ratios(measured(rounds, HopPath.MESH), measured(rounds, against)).median();
    }

    /** The CPU per request of {@code path} less that of (b), client and server processes, round by round. */
    private @Nullable Spread addedCpuMicros(HopPath path) {
        final @Nullable List<RatePhase> baseline = results.ratePhases.get(HopPath.TLS);
        final @Nullable List<RatePhase> phases = results.ratePhases.get(path);
        if (baseline == null || phases == null) {
            return null;
        }
        final List<Double> added = new ArrayList<>();
        for (int i = 0; i < Math.min(baseline.size(), phases.size()); i++) {
            // Seconds per 10,000 requests are 100 µs per request each.
            added.add((hopCpu(phases.get(i)) - hopCpu(baseline.get(i))) * 100);
        }
        return Spread.of(added);
    }

    private static double hopCpu(RatePhase phase) {
        return phase.cpuSecondsPer10k().getOrDefault(CLIENT, 0.0)
                + phase.cpuSecondsPer10k().getOrDefault(SERVER, 0.0);
    }

    /** A percentile of {@code path} less that of {@code raw}, round by round; null without either. */
    private @Nullable Spread addedLatency(HopPath path, HopPath raw, double percentile) {
        final @Nullable List<RatePhase> baseline = results.ratePhases.get(raw);
        final @Nullable List<RatePhase> phases = results.ratePhases.get(path);
        if (baseline == null || phases == null) {
            return null;
        }
        final List<Double> added = new ArrayList<>();
        for (int i = 0; i < Math.min(baseline.size(), phases.size()); i++) {
            added.add(micros(phases.get(i), percentile) - micros(baseline.get(i), percentile));
        }
        return Spread.of(added);
    }

    private Spread perRound(HopPath path, ToDoubleFunction<RatePhase> value) {
        return Spread.of(measured(results.ratePhases, path).stream()
                .map(phase -> value.applyAsDouble(phase))
                .toList());
    }

    private static double micros(RatePhase phase, double percentile) {
        return phase.latency().getValueAtPercentile(percentile) / 1e3;
    }

    private static Spread ratios(List<Double> numerators, List<Double> denominators) {
        final List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < Math.min(numerators.size(), denominators.size()); i++) {
            ratios.add(denominators.get(i) > 0 ? numerators.get(i) / denominators.get(i) : 0);
        }
        return Spread.of(ratios);
    }

    private int maxConcurrency() {
        return results.concurrencies.stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    private boolean has(HopPath path) {
        return results.paths.contains(path);
    }
}
