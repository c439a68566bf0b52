package io.mesh4j.benchmarks.hop;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a layer-price run measured, round by round, for {@link LayerPriceReport}: each measured path with the
 * full mesh path's measurement beside it, the reference it is compared with.
 */
final class LayerPriceResults {

    /**
     * What one path cost in one round, per request: at a fixed concurrency, its throughput; at a fixed rate, the
     * CPU and the bytes allocated in the client and the server process.
     *
     * @param throughput requests per second at the highest concurrency
     * @param clientCpuMicros CPU µs per request of the client process (user + system, every thread)
     * @param serverCpuMicros CPU µs per request of the server process
     * @param clientBytes bytes per request allocated by the client process's threads
     * @param serverBytes bytes per request allocated by the server process's threads
     * @param errors failed requests in both phases' measured windows
     */
    record Sample(
            double throughput,
            double clientCpuMicros,
            double serverCpuMicros,
            double clientBytes,
            double serverBytes,
            long errors) {

        double cpuMicros() {
            return clientCpuMicros + serverCpuMicros;
        }

        double bytes() {
            return clientBytes + serverBytes;
        }

        /** The mean of two measurements of the same path: the reference for what was measured between them. */
        static Sample mean(Sample a, Sample b) {
            return new Sample(
                    (a.throughput + b.throughput) / 2,
                    (a.clientCpuMicros + b.clientCpuMicros) / 2,
                    (a.serverCpuMicros + b.serverCpuMicros) / 2,
                    (a.clientBytes + b.clientBytes) / 2,
                    (a.serverBytes + b.serverBytes) / 2,
                    0);
        }
    }

    /**
     * One path's measurement in one round and its reference: the mean of the full mesh path's measurements right
     * before and right after it, so that what the machine did meanwhile weighs on both alike.
     */
    record Paired(Sample measured, Sample reference) {}

    final List<StackVariant> variants;
    final int concurrency;
    final int rate;
    /** (b) and each variant, in the order of {@link #variants} after (b): one pair per round. */
    final Map<HopTarget, List<Paired>> paired = new LinkedHashMap<>();
    /** Every measurement of the full mesh path, (c). */
    final List<Sample> references = new ArrayList<>();

    LayerPriceResults(List<StackVariant> variants, int concurrency, int rate) {
        this.variants = List.copyOf(variants);
        this.concurrency = concurrency;
        this.rate = rate;
        paired.put(HopPath.TLS, new ArrayList<>());
        variants.forEach(variant -> paired.put(variant, new ArrayList<>()));
    }

    void add(HopTarget target, Paired pair) {
        PerHopResults.measured(paired, target).add(pair);
    }

    long errors() {
        return references.stream().mapToLong(Sample::errors).sum()
                + paired.values().stream()
                        .flatMap(List::stream)
                        .mapToLong(pair -> pair.measured().errors())
                        .sum();
    }

    int rounds() {
        return paired.values().stream().mapToInt(List::size).min().orElse(0);
    }
}
