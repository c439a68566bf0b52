package io.mesh4j.benchmarks.hop;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.HdrHistogram.Histogram;

/**
 * Everything one run of the per-hop benchmark measured, round by round, for {@link PerHopReport} to compare.
 */
final class PerHopResults {

    /** One process's memory at the end of the run. */
    record Memory(long rssBytes, long peakRssBytes) {}

    /** What one path's fixed-rate phase of one round measured. */
    record RatePhase(
            Histogram latency,
            Histogram sendLag,
            long errors,
            Map<String, Double> cpuSecondsPer10k,
            double machineBusy) {}

    final List<HopPath> paths;
    final List<Integer> concurrencies;
    final int rate;
    /** Requests per second by concurrency, path, then round. */
    final Map<Integer, Map<HopPath, List<Double>>> throughput = new TreeMap<>();
    /** How busy the machine was in each throughput phase, by concurrency, path, then round. */
    final Map<Integer, Map<HopPath, List<Double>>> throughputBusy = new TreeMap<>();

    final Map<HopPath, List<RatePhase>> ratePhases = new EnumMap<>(HopPath.class);
    final Map<String, Memory> memory = new LinkedHashMap<>();
    long errors;

    PerHopResults(List<HopPath> paths, List<Integer> concurrencies, int rate) {
        this.paths = List.copyOf(paths);
        this.concurrencies = List.copyOf(concurrencies);
        this.rate = rate;
    }

    void throughput(int concurrency, HopPath path, double requestsPerSecond, double machineBusy) {
        throughput
                .computeIfAbsent(concurrency, unused -> new EnumMap<>(HopPath.class))
                .computeIfAbsent(path, unused -> new ArrayList<>())
                .add(requestsPerSecond);
        throughputBusy
                .computeIfAbsent(concurrency, unused -> new EnumMap<>(HopPath.class))
                .computeIfAbsent(path, unused -> new ArrayList<>())
                .add(machineBusy);
    }

    void ratePhase(HopPath path, RatePhase phase) {
        ratePhases.computeIfAbsent(path, unused -> new ArrayList<>()).add(phase);
    }

    /** What {@code map} holds for {@code key}, which the run measured: the report reads nothing else. */
    static <K, V> V measured(Map<K, V> map, K key) {
        return requireNonNull(map.get(key), () -> "nothing measured for " + key);
    }

    int rounds() {
        return ratePhases.values().stream().mapToInt(List::size).max().orElse(0);
    }
}
