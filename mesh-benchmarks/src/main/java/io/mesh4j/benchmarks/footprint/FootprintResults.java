package io.mesh4j.benchmarks.footprint;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import io.mesh4j.benchmarks.report.Spread;

/**
 * Everything the rounds measured: each measure of each process, one value per round. A process's "added" cost is
 * the median of its per-round differences (mesh − raw of the same round), so that a round in which the machine
 * was busier counts against both kinds alike.
 */
final class FootprintResults {

    private final Map<Role, Map<Kind, Map<Measure, List<Double>>>> values = new EnumMap<>(Role.class);
    long failedRequests;

    void add(Role role, Kind kind, Map<Measure, Double> measured) {
        final Map<Measure, List<Double>> byMeasure = values.computeIfAbsent(role, unused -> new EnumMap<>(Kind.class))
                .computeIfAbsent(kind, unused -> new EnumMap<>(Measure.class));
        measured.forEach((measure, value) ->
                byMeasure.computeIfAbsent(measure, unused -> new ArrayList<>()).add(value));
    }

    Spread of(Role role, Kind kind, Measure measure) {
        return Spread.of(rounds(role, kind, measure));
    }

    private List<Double> rounds(Role role, Kind kind, Measure measure) {
        return values.getOrDefault(role, Map.of()).getOrDefault(kind, Map.of()).getOrDefault(measure, List.of());
    }

    /** Mesh − raw, round by round. */
    Spread added(Role role, Measure measure) {
        final List<Double> raw = rounds(role, Kind.RAW, measure);
        final List<Double> mesh = rounds(role, Kind.MESH, measure);
        final List<Double> differences = new ArrayList<>();
        for (int i = 0; i < Math.min(raw.size(), mesh.size()); i++) {
            differences.add(mesh.get(i) - raw.get(i));
        }
        return Spread.of(differences);
    }
}
