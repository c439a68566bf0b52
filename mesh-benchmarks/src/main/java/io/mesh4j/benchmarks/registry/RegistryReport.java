package io.mesh4j.benchmarks.registry;

import java.util.List;
import java.util.Locale;

import org.HdrHistogram.Histogram;

import io.mesh4j.benchmarks.report.Goal;
import io.mesh4j.benchmarks.report.Table;
import io.mesh4j.benchmarks.report.Units;

/**
 * The registry benchmark's tables: propagation by watchers × instances, write throughput, and memory per
 * thousand instances, with the goal for a thousand watchers.
 */
final class RegistryReport {

    private final List<PropagationRun.Result> results;
    private final List<String> failures;
    private final RegistryUnderTest.Store store;
    private final String watching;

    /** @param watching how the watchers watch, for the heading: "every watcher on its own TLS connection, ..." */
    RegistryReport(
            List<PropagationRun.Result> results,
            List<String> failures,
            RegistryUnderTest.Store store,
            String watching) {
        this.results = List.copyOf(results);
        this.failures = List.copyOf(failures);
        this.store = store;
        this.watching = watching;
    }

    String render(String machine) {
        final StringBuilder out = new StringBuilder();
        out.append("## Registry propagation\n\n")
                .append(machine)
                .append(
                        store == RegistryUnderTest.Store.etcd
                                ? "; two registry replicas with TLS over a 3-member etcd on this machine, each change "
                                        + "written through one and watched on the other; registry CPU is both "
                                        + "replicas' and the etcd members'"
                                : "; a registry process with TLS")
                .append(", one service, one change at a time; ")
                .append(watching)
                .append(", all in one process with the writer.\n\n");
        out.append("### From the PUT of a change until every watcher has it (ms)\n\n")
                .append(propagation())
                .append('\n')
                .append(slowest());
        out.append("### Writes and memory\n\n").append(writes()).append('\n');
        out.append("### What a heartbeat costs (CPU per heartbeat, counted over the heartbeats)\n\n")
                .append(heartbeats())
                .append('\n');
        if (!failures.isEmpty()) {
            out.append("### Configurations that did not complete\n\n");
            failures.forEach(failure -> out.append("- ").append(failure).append('\n'));
            out.append('\n');
        }
        out.append("### Goal\n\n").append(goals());
        return out.toString();
    }

    private Table propagation() {
        final Table table = Table.of(
                "watchers × instances",
                "changes",
                "all seen p50",
                "p99",
                "max",
                "each watcher p50",
                "p99",
                "PUT answered p50",
                "answer size",
                "registry CPU / change",
                "watchers' CPU / change");
        for (PropagationRun.Result r : results) {
            table.row(
                    config(r),
                    r.changes() + (r.unseen() > 0 ? " (" + r.unseen() + " not seen in 60 s)" : ""),
                    millis(r.allSeen(), 50),
                    millis(r.allSeen(), 99),
                    millis(r.allSeen(), 100),
                    millis(r.eachSeen(), 50),
                    millis(r.eachSeen(), 99),
                    millis(r.putAck(), 50),
                    String.format(Locale.ROOT, "%,.0f KiB", r.bytesPerAnswer() / 1024.0),
                    String.format(Locale.ROOT, "%.0f ms", r.registryCpuPerChange() * 1000),
                    String.format(Locale.ROOT, "%.0f ms", r.watcherCpuPerChange() * 1000));
        }
        return table;
    }

    /**
     * How the changes were timed, and the slowest ones of each configuration: with a p99 of a few hundred changes,
     * the few slowest decide it, and whether they came first or with a collector's pause is the first question.
     */
    private String slowest() {
        if (results.isEmpty()) {
            return "";
        }
        final StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT,
                "Each configuration timed its changes after %d untimed warm-up changes. The slowest changes (their "
                        + "place among the timed ones, and what the collectors and the JIT did during each):\n\n",
                results.get(0).warmupChanges()));
        for (PropagationRun.Result r : results) {
            out.append("- ").append(config(r)).append(": ").append(r.slowest()).append('\n');
        }
        return out.append('\n').toString();
    }

    private Table writes() {
        final Table table = Table.of(
                "watchers × instances",
                "registrations/s",
                "heartbeats/s",
                "live heap / 1,000 instances",
                "RSS / 1,000 instances");
        for (PropagationRun.Result r : results) {
            table.row(
                    config(r),
                    Units.count(r.registrationsPerSecond()),
                    Units.count(r.heartbeatsPerSecond()),
                    String.format(Locale.ROOT, "%,.0f KiB", r.liveHeapPerThousand() / 1024.0),
                    // The resident size moves with the heap's sizing and collections more than with what was
                    // added; a fall says only that, so it is not shown as a size.
                    r.rssPerThousand() < 0
                            ? "– (fell)"
                            : String.format(Locale.ROOT, "%,.0f KiB", r.rssPerThousand() / 1024.0));
        }
        return table;
    }

    private Table heartbeats() {
        final Table table = Table.of(
                "watchers × instances",
                "sent by",
                "heartbeats/s",
                "replica CPU",
                "etcd CPU",
                "load generator CPU",
                "etcd keep-alives / heartbeat");
        for (PropagationRun.Result r : results) {
            final PropagationRun.Heartbeats h = r.heartbeats();
            table.row(
                    config(r),
                    h.members() == 0
                            ? "the operator, " + h.inFlightPerMember() + " in flight"
                            : h.members() + " members × " + h.inFlightPerMember() + " in flight",
                    Units.count(r.heartbeatsPerSecond()),
                    String.format(Locale.ROOT, "%.0f µs", h.replicaCpuMicros()),
                    store == RegistryUnderTest.Store.etcd
                            ? String.format(Locale.ROOT, "%.0f µs", h.etcdCpuMicros())
                            : "–",
                    String.format(Locale.ROOT, "%.0f µs", h.generatorCpuMicros()),
                    h.keepAlivesPerHeartbeat() < 0
                            ? "–"
                            : String.format(Locale.ROOT, "%.2f", h.keepAlivesPerHeartbeat()));
        }
        return table;
    }

    private Table goals() {
        final Table table = Table.of("goal", "measured", "verdict");
        for (PropagationRun.Result r : results) {
            if (r.watchers() >= 1000 && r.allSeen().getTotalCount() > 0) {
                table.row(Goal.atMost(
                                "a change reaches 1,000 watchers in ≤ 100 ms p99 (" + Units.count(r.instances())
                                        + " instances)",
                                100,
                                r.allSeen().getValueAtPercentile(99) / 1e6,
                                ms -> String.format(Locale.ROOT, "%.1f ms", ms))
                        .cells());
            }
            if (store == RegistryUnderTest.Store.etcd) {
                table.row(Goal.atLeast(
                                "heartbeats ≥ 5,000/s through the etcd path (" + config(r) + ")",
                                5000,
                                r.heartbeatsPerSecond(),
                                perSecond -> Units.count(perSecond) + "/s")
                        .cells());
            }
        }
        return table;
    }

    private static String config(PropagationRun.Result r) {
        return Units.count(r.watchers()) + " × " + Units.count(r.instances());
    }

    private static String millis(Histogram histogram, double percentile) {
        if (histogram.getTotalCount() == 0) {
            return "–";
        }
        return String.format(Locale.ROOT, "%.1f", histogram.getValueAtPercentile(percentile) / 1e6);
    }
}
