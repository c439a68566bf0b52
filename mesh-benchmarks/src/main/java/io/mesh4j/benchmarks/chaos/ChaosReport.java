package io.mesh4j.benchmarks.chaos;

import java.util.List;

import io.mesh4j.benchmarks.report.Table;

/**
 * The chaos run's tables: one row per scenario with what it cost the callers, then what each scenario did and how
 * the run was set up.
 */
final class ChaosReport {

    private ChaosReport() {}

    static String render(List<ScenarioResult> results, ChaosBenchmark run) {
        final Table costs = Table.of(
                        "scenario",
                        "hit",
                        "calls",
                        "failed calls",
                        "retries / budget",
                        "hit instance stops getting attempts",
                        "back to its share",
                        "its share before → during",
                        "p99 before",
                        "p99 during")
                .alignLeft(2);
        for (ScenarioResult r : results) {
            costs.row(
                    r.scenario().key(),
                    r.hit(),
                    Long.toString(r.calls()),
                    r.failedCell(),
                    r.retriesCell(),
                    r.stopCell(),
                    r.backCell(),
                    r.shareCell(),
                    ScenarioResult.millis(r.p99BeforeMicros()),
                    ScenarioResult.millis(r.p99DuringMicros()));
        }
        final Table what = Table.of("scenario", "what it does").alignLeft(2);
        for (ScenarioResult r : results) {
            what.row(r.scenario().key(), r.scenario().description());
        }
        return "### What each fault cost the callers\n\n" + costs + "\n### The faults\n\n" + what + '\n'
                + "Setup: " + run.instancesPerZone + " instance(s) in each of zones a and b, " + run.clients
                + " client(s) at " + run.rate + " calls/s each, every process in its own network namespace; "
                + "baseline " + run.baseline.toSeconds() + " s, fault " + run.fault.toSeconds() + " s (or as "
                + "the scenario says), recovery " + run.recovery.toSeconds() + " s; certificates live "
                + run.leafTtl.toSeconds() + " s outside cert-rotation. Retries count from the fault to the "
                + "scenario's end, against 20% of the calls + 10/s per client; a hit instance is back once it "
                + "answers, within a second, at least half its share from before the fault.\n";
    }
}
