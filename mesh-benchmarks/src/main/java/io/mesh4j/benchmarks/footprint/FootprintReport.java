package io.mesh4j.benchmarks.footprint;

import java.util.List;
import java.util.Locale;

import io.mesh4j.benchmarks.report.Goal;
import io.mesh4j.benchmarks.report.Spread;
import io.mesh4j.benchmarks.report.Table;

/**
 * The footprint benchmark's tables: each measure of a server and a client, raw and mesh, with what the mesh adds,
 * and the goals read against them.
 */
final class FootprintReport {

    /** The goals, per service: the mesh may add this much resident memory and start-up time. */
    static final double RSS_GOAL_BYTES = 20 * 1024 * 1024;

    static final double STARTUP_GOAL_NANOS = 0.5e9;

    private final FootprintResults results;

    FootprintReport(FootprintResults results) {
        this.results = results;
    }

    String render(String setup) {
        final StringBuilder out = new StringBuilder();
        out.append(setup).append("\n\n");
        out.append("#### What each service costs (median of the rounds, range in brackets)\n\n");
        final Table table =
                Table.of("measure", "raw server", "mesh server", "mesh adds", "raw client", "mesh client", "mesh adds");
        for (Measure measure : Measure.values()) {
            table.row(
                    measure.label(),
                    cell(results.of(Role.SERVER, Kind.RAW, measure), measure),
                    cell(results.of(Role.SERVER, Kind.MESH, measure), measure),
                    results.added(Role.SERVER, measure).format(measure::formatDifference),
                    cell(results.of(Role.CLIENT, Kind.RAW, measure), measure),
                    cell(results.of(Role.CLIENT, Kind.MESH, measure), measure),
                    results.added(Role.CLIENT, measure).format(measure::formatDifference));
        }
        out.append(table).append('\n');
        out.append("Time to ready is from starting the JVM to the server ")
                .append(Role.SERVER.ready())
                .append(", and to the client ")
                .append(Role.CLIENT.ready())
                .append(". \"mesh adds\" is the median of the rounds' differences (mesh − raw of the same round).");
        if (results.failedRequests > 0) {
            out.append(String.format(Locale.ROOT, " %,d requests failed.", results.failedRequests));
        }
        out.append("\n\n#### Goals\n\n");
        final Table goals = Table.of("goal (issue 12)", "measured", "verdict");
        for (Goal goal : goals()) {
            goals.row(goal.cells());
        }
        out.append(goals);
        return out.toString();
    }

    private static String cell(Spread spread, Measure measure) {
        return spread.format(measure::format);
    }

    List<Goal> goals() {
        return List.of(
                Goal.atMost(
                                "RSS a mesh server adds ≤ 20 MiB",
                                RSS_GOAL_BYTES,
                                results.added(Role.SERVER, Measure.RSS).median(),
                                Measure::mebibytes)
                        .withWhere("after a full GC"),
                Goal.atMost(
                                "RSS a mesh client adds ≤ 20 MiB",
                                RSS_GOAL_BYTES,
                                results.added(Role.CLIENT, Measure.RSS).median(),
                                Measure::mebibytes)
                        .withWhere("after a full GC"),
                Goal.atMost(
                                "start-up a mesh server adds ≤ 0.5 s",
                                STARTUP_GOAL_NANOS,
                                results.added(Role.SERVER, Measure.TIME_TO_READY)
                                        .median(),
                                Measure::seconds)
                        .withWhere("to serving and registered"),
                Goal.atMost(
                                "start-up a mesh client adds ≤ 0.5 s",
                                STARTUP_GOAL_NANOS,
                                results.added(Role.CLIENT, Measure.TIME_TO_READY)
                                        .median(),
                                Measure::seconds)
                        .withWhere("to its first answer"));
    }
}
