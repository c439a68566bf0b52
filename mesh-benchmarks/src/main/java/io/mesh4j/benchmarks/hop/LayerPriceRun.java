package io.mesh4j.benchmarks.hop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.mesh4j.benchmarks.load.LoadResult;
import io.mesh4j.benchmarks.process.AllocatedBytes;
import io.mesh4j.benchmarks.process.ProcessStats;
import io.mesh4j.benchmarks.report.Progress;

/**
 * The rounds of a layer-price run. Each round measures (b) and every {@link StackVariant} once, in an order that
 * rotates from round to round, and the full mesh path (c) before the first of them, after the last, and after every
 * {@value #REFERENCE_EVERY} in between: each path is compared with the mean of the two (c) measurements around it,
 * never with a (c) minutes away, so that a slow drift of this shared machine weighs on both sides of a difference.
 * A path's measurement is one phase at the highest concurrency (throughput), then one at the fixed rate (CPU and
 * allocation of the client and the server process, per request).
 */
final class LayerPriceRun {

    /** How many paths run between two measurements of (c): 3 adds one (c) for every 3, a third more time. */
    static final int REFERENCE_EVERY = 3;

    private final HopProcesses processes;
    private final List<StackVariant> variants;
    private final int rounds;
    private final int concurrency;
    private final int rate;
    private final Phases phases;
    private final Progress progress;

    LayerPriceRun(
            HopProcesses processes,
            List<StackVariant> variants,
            int rounds,
            int concurrency,
            int rate,
            Phases phases,
            Progress progress) {
        this.processes = processes;
        this.variants = List.copyOf(variants);
        this.rounds = rounds;
        this.concurrency = concurrency;
        this.rate = rate;
        this.phases = phases;
        this.progress = progress;
    }

    /** The measured phase pairs of a run: per round, (b) and every variant, and (c) around every few of them. */
    static int steps(int variants, int rounds) {
        final int measured = variants + 1;
        return rounds * (measured + references(measured));
    }

    private static int references(int measured) {
        return 1 + (measured + REFERENCE_EVERY - 1) / REFERENCE_EVERY;
    }

    /** What the run will do and about how long it will take, for the progress. */
    String plan() {
        final List<HopTarget> warmed = targets();
        warmed.add(HopPath.MESH);
        final Duration total = phases.jitWarmup()
                .multipliedBy(warmed.size())
                .plus(phases.pair().multipliedBy(steps(variants.size(), rounds)));
        return String.format(
                Locale.ROOT,
                "pricing %d layers: %d rounds of %d phase pairs (%d s at %d in flight, %d s at %,d req/s, %d s warm-up "
                        + "each), after %d s of JIT warm-up for each of %d paths: ~%d min",
                variants.size(),
                rounds,
                steps(variants.size(), 1),
                phases.throughput().toSeconds(),
                concurrency,
                phases.latency().toSeconds(),
                rate,
                phases.warmup().toSeconds(),
                phases.jitWarmup().toSeconds(),
                warmed.size(),
                Math.round(total.toSeconds() / 60.0));
    }

    LayerPriceResults run() {
        final LayerPriceResults results = new LayerPriceResults(variants, concurrency, rate);
        warmUpJit();
        for (int round = 0; round < rounds; round++) {
            runRound(round, results);
        }
        return results;
    }

    private List<HopTarget> targets() {
        final List<HopTarget> targets = new ArrayList<>();
        targets.add(HopPath.TLS);
        targets.addAll(variants);
        return targets;
    }

    private void warmUpJit() {
        if (phases.jitWarmup().isZero()) {
            return;
        }
        final List<HopTarget> warmed = new ArrayList<>(List.of(HopPath.MESH));
        warmed.addAll(targets());
        progress.say("warming up " + warmed.size() + " paths for "
                + phases.jitWarmup().toSeconds() + " s each");
        for (HopTarget target : warmed) {
            processes.throughput(target, concurrency, Duration.ZERO, phases.jitWarmup());
        }
    }

    private void runRound(int round, LayerPriceResults results) {
        final String name = "round " + (round + 1) + '/' + rounds;
        final List<HopTarget> order = PerHopBenchmark.rotate(targets(), round);
        LayerPriceResults.Sample before = measure(name, HopPath.MESH);
        results.references.add(before);
        final List<HopTarget> pendingTargets = new ArrayList<>();
        final List<LayerPriceResults.Sample> pendingSamples = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
            pendingTargets.add(order.get(i));
            pendingSamples.add(measure(name, order.get(i)));
            if (pendingTargets.size() == REFERENCE_EVERY || i == order.size() - 1) {
                final LayerPriceResults.Sample after = measure(name, HopPath.MESH);
                results.references.add(after);
                final LayerPriceResults.Sample reference = LayerPriceResults.Sample.mean(before, after);
                for (int j = 0; j < pendingTargets.size(); j++) {
                    results.add(pendingTargets.get(j), new LayerPriceResults.Paired(pendingSamples.get(j), reference));
                }
                pendingTargets.clear();
                pendingSamples.clear();
                before = after;
            }
        }
    }

    private LayerPriceResults.Sample measure(String round, HopTarget target) {
        final LoadResult throughput = processes.throughput(target, concurrency, phases.warmup(), phases.throughput());
        final long clientPid = processes.client().pid();
        final long serverPid = processes.server().pid();
        // Allocation is read outside the CPU window, so that the questions' own work is not in it.
        final long clientBytes = AllocatedBytes.of(processes.client());
        final long serverBytes = AllocatedBytes.of(processes.server());
        final Duration clientCpu = ProcessStats.cpu(clientPid);
        final Duration serverCpu = ProcessStats.cpu(serverPid);
        final LoadResult fixedRate = processes.rate(target, rate, phases.warmup(), phases.latency());
        final double clientCpuNanos =
                ProcessStats.cpu(clientPid).minus(clientCpu).toNanos();
        final double serverCpuNanos =
                ProcessStats.cpu(serverPid).minus(serverCpu).toNanos();
        final double clientAllocated = AllocatedBytes.of(processes.client()) - clientBytes;
        final double serverAllocated = AllocatedBytes.of(processes.server()) - serverBytes;
        // Every request of the phase, its warm-up included, since the CPU and the bytes are those of the whole phase.
        final double requests = Math.max(1, fixedRate.completed());
        final LayerPriceResults.Sample sample = new LayerPriceResults.Sample(
                throughput.throughput(),
                clientCpuNanos / 1e3 / requests,
                serverCpuNanos / 1e3 / requests,
                clientAllocated / requests,
                serverAllocated / requests,
                throughput.errors() + fixedRate.errors());
        progress.step(String.format(
                Locale.ROOT,
                "%s, %s: %,.0f req/s at %d in flight; at %,d req/s %.0f µs CPU and %,.0f bytes allocated a request%s",
                round,
                target.label(),
                sample.throughput(),
                concurrency,
                rate,
                sample.cpuMicros(),
                sample.bytes(),
                sample.errors() > 0 ? String.format(Locale.ROOT, " (%,d failed)", sample.errors()) : ""));
        return sample;
    }
}
