package io.mesh4j.benchmarks.balancer;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;

import io.mesh4j.benchmarks.load.Histograms;
import io.mesh4j.benchmarks.load.LoadResult;

/**
 * What the rounds of the balancer benchmark measured, per case: each round's percentiles (the report takes their
 * median and range), the answers each instance gave over all rounds, the failures, and how late the load
 * generator sent its requests.
 */
final class BalancerResults {

    /** The percentiles the report shows. */
    static final double[] PERCENTILES = {50, 90, 99, 99.9};

    /** Per case, per percentile, one value per round, in microseconds. */
    final Map<BalancerCase, List<List<Double>>> percentiles = new EnumMap<>(BalancerCase.class);

    final Map<BalancerCase, Map<String, Long>> answersByInstance = new EnumMap<>(BalancerCase.class);
    /** Per case, the slow instance's share of each round's answers, 0 to 1: where p99 sits hangs on it. */
    final Map<BalancerCase, List<Double>> slowShareByRound = new EnumMap<>(BalancerCase.class);

    final Map<BalancerCase, Long> errors = new EnumMap<>(BalancerCase.class);
    final Map<BalancerCase, Histogram> sendLag = new EnumMap<>(BalancerCase.class);
    final List<String> instances;
    final int rate;

    BalancerResults(List<BalancerCase> cases, List<String> instances, int rate) {
        this.instances = List.copyOf(instances);
        this.rate = rate;
        for (BalancerCase c : cases) {
            final List<List<Double>> perPercentile = new ArrayList<>();
            for (int i = 0; i < PERCENTILES.length; i++) {
                perPercentile.add(new ArrayList<>());
            }
            percentiles.put(c, perPercentile);
            final Map<String, Long> answers = new LinkedHashMap<>();
            instances.forEach(name -> answers.put(name, 0L));
            answersByInstance.put(c, answers);
            slowShareByRound.put(c, new ArrayList<>());
            errors.put(c, 0L);
            sendLag.put(c, Histograms.newHistogram());
        }
    }

    /** Adds one round of {@code c}: its latencies, and the answers each instance gave in it. */
    void add(BalancerCase c, LoadResult result, Map<String, Long> answers) {
        for (int i = 0; i < PERCENTILES.length; i++) {
            forCase(percentiles, c).get(i).add(Histograms.micros(result.latency(), PERCENTILES[i]));
        }
        answers.forEach((name, count) -> forCase(answersByInstance, c).merge(name, count, Long::sum));
        final long total = answers.values().stream().mapToLong(Long::longValue).sum();
        final String slow = instances.get(instances.size() - 1);
        forCase(slowShareByRound, c).add(total == 0 ? 0 : answers.getOrDefault(slow, 0L) / (double) total);
        errors.merge(c, result.errors(), Long::sum);
        forCase(sendLag, c).add(result.sendLag());
    }

    List<BalancerCase> cases() {
        return List.copyOf(percentiles.keySet());
    }

    /** The value of {@code c} in {@code byCase}, one of the maps a run fills for each of its cases. */
    static <V> V forCase(Map<BalancerCase, V> byCase, BalancerCase c) {
        return requireNonNull(byCase.get(c), c::label);
    }
}
