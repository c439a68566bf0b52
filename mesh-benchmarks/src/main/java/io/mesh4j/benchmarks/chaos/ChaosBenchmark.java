package io.mesh4j.benchmarks.chaos;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;

import io.mesh4j.benchmarks.cli.DurationConverter;
import io.mesh4j.benchmarks.report.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The chaos suite: a registry, instances of one service in two zones and clients under steady load, each in a
 * network namespace of its own, and one fault after another on their packets and processes. Prints, per fault,
 * what it cost the callers.
 */
@Command(
        name = "chaos",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Faults on real packets and processes under load, each process in a network namespace of its "
                + "own (needs root, ip netns, nftables and tc); prints what each fault cost the callers.")
public final class ChaosBenchmark implements Callable<Integer> {

    @Option(
            names = "--scenarios",
            defaultValue = "instance-kill,instance-stop,loss,delay,registry-partition,client-partition,slow-zone,"
                    + "registry-kill,rolling-restart,ca-rotation,cert-rotation",
            description = "The scenarios, in order; cert-rotation, which leaves the registry issuing 10 s "
                    + "certificates, only last. Default: all of them, ${DEFAULT-VALUE}.")
    String scenarios = "";

    @Option(
            names = "--instances-per-zone",
            defaultValue = "2",
            description = "Instances in each of the two zones. " + "Default: 2.")
    int instancesPerZone;

    @Option(names = "--clients", defaultValue = "2", description = "Client processes. Default: 2.")
    int clients;

    @Option(names = "--rate", defaultValue = "50", description = "Calls per second from each client. Default: 50.")
    int rate;

    @Option(
            names = "--baseline",
            defaultValue = "10s",
            converter = DurationConverter.class,
            description = "Load before each fault, the 'before' of the latency. Default: 10s.")
    Duration baseline = Duration.ofSeconds(10);

    @Option(
            names = "--fault",
            defaultValue = "20s",
            converter = DurationConverter.class,
            description = "How long each fault lasts (some scenarios need longer, and say so). Default: 20s.")
    Duration fault = Duration.ofSeconds(20);

    @Option(
            names = "--recovery",
            defaultValue = "15s",
            converter = DurationConverter.class,
            description = "Load after each fault has healed. Default: 15s.")
    Duration recovery = Duration.ofSeconds(15);

    @Option(
            names = "--leaf-ttl",
            defaultValue = "2m",
            converter = DurationConverter.class,
            description = "How long the registry's certificates live outside the cert-rotation scenario; the "
                    + "workloads renew at two thirds of it, so a third of it must outlast registry-kill's outage. "
                    + "Default: 2m.")
    Duration leafTtl = Duration.ofMinutes(2);

    @Option(
            names = "--work-dir",
            description = "Where the processes' logs and records go. Default: a new " + "temporary directory.")
    @Nullable
    Path workDir;

    private final PrintStream out;
    private List<ScenarioResult> results = List.of();

    /** A scenario that ran: its window and what it hit. */
    private record Ran(Scenario scenario, String hit, long start, long end, List<Scenario.Event> events) {}

    /** The instances a scenario hit, by id; "—" for a fault on every instance or none. */
    private static String hitNames(ChaosMesh mesh, List<Scenario.Event> events) {
        final List<String> names = new ArrayList<>();
        for (Scenario.Event event : events) {
            for (ChaosMesh.Instance instance : mesh.instances()) {
                if (event.targets().contains(instance.node.ip()) && !names.contains(instance.id)) {
                    names.add(instance.id);
                }
            }
        }
        return names.isEmpty() || names.size() == mesh.instances().size() && events.size() == 1
                ? "—"
                : String.join(", ", names);
    }

    public ChaosBenchmark() {
        this(System.out);
    }

    ChaosBenchmark(PrintStream out) {
        this.out = out;
    }

    /** The scenarios asked for, once the options are known to make sense together. */
    private List<Scenario> checkedScenarios() {
        final List<Scenario> chosen = Scenario.parse(scenarios);
        if (instancesPerZone < 1 || clients < 1 || rate < 1) {
            throw new IllegalArgumentException("--instances-per-zone, --clients and --rate must be at least 1");
        }
        final int rotation = chosen.indexOf(Scenario.CERT_ROTATION);
        if (rotation >= 0 && rotation != chosen.size() - 1) {
            throw new IllegalArgumentException("--scenarios: cert-rotation leaves the registry issuing 10 s "
                    + "certificates, which a later registry outage would let expire; put it last");
        }
        // A workload renews at two thirds of its certificate's life: the last third must outlast the outage.
        final Duration outage = fault.plus(Duration.ofSeconds(15));
        if (chosen.contains(Scenario.REGISTRY_KILL) && leafTtl.compareTo(outage.multipliedBy(3)) < 0) {
            throw new IllegalArgumentException("--leaf-ttl " + leafTtl.toSeconds() + "s: a third of it must outlast "
                    + "registry-kill's outage (--fault + 15 s to restart = " + outage.toSeconds() + " s), or every "
                    + "workload's certificate may expire while the registry is down (expected: at least "
                    + outage.multipliedBy(3).toSeconds() + "s)");
        }
        return chosen;
    }

    /** The instance with the most answered attempts (of {@code client}, or of all) between {@code from} and {@code to}. */
    private static ChaosMesh.Instance busiest(
            ChaosMesh mesh, List<String> lines, @Nullable String client, long from, long to) {
        final Map<String, Long> answered = new HashMap<>();
        for (String line : lines) {
            final String[] f = line.split(" ");
            if ("A".equals(f[1]) && "1".equals(f[4]) && (client == null || client.equals(f[0]))) {
                final long at = Long.parseLong(f[2]);
                if (at >= from && at < to) {
                    answered.merge(f[3], 1L, Long::sum);
                }
            }
        }
        return mesh.instances().stream()
                .max(Comparator.comparingLong(instance -> answered.getOrDefault(instance.node.ip(), 0L)))
                .orElseThrow();
    }

    /** What the last run found, scenario by scenario: for the smoke test's assertions. */
    List<ScenarioResult> results() {
        return results;
    }

    @Override
    public Integer call() throws Exception {
        final List<Scenario> chosen;
        try {
            chosen = checkedScenarios();
        } catch (IllegalArgumentException e) {
            // A setting to change, not a failure of the run: one line that says which, as for a missing root.
            System.err.println("chaos: " + e.getMessage());
            return 2;
        }
        final @Nullable String missing = Network.missingPrerequisite();
        if (missing != null) {
            System.err.println("chaos: " + missing);
            return 2;
        }
        final Path dir =
                workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("mesh4j-chaos-");
        final Progress progress = Progress.toStderr("chaos", chosen.size());
        progress.say("logs and records in " + dir);
        final Scenario.Phases phases = new Scenario.Phases(baseline, fault, recovery);
        final AtomicReference<@Nullable ChaosMesh> running = new AtomicReference<>();
        // Ctrl-C (or any exit) must leave no namespace, rule or process behind.
        final Thread cleanup = new Thread(
                () -> {
                    final @Nullable ChaosMesh mesh = running.getAndSet(null);
                    if (mesh != null) {
                        mesh.close();
                    } else {
                        Network.removeStale();
                    }
                },
                "chaos-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        final List<String> lines = new ArrayList<>();
        final List<Ran> ran = new ArrayList<>();
        try {
            final ChaosMesh mesh = ChaosMesh.start(dir, progress, instancesPerZone, clients, rate, leafTtl);
            running.set(mesh);
            progress.say("warming up for " + baseline.toSeconds() + " s");
            Scenario.pause(baseline);
            mesh.takeRecords("warmup");
            for (Scenario scenario : chosen) {
                progress.say(scenario.key() + ": " + scenario.description());
                final long start = Scenario.now();
                Scenario.pause(baseline);
                lines.addAll(mesh.takeRecords(scenario.cliName() + "-baseline"));
                final long faultAt = Scenario.now();
                final Scenario.Busiest busiest = client -> busiest(mesh, lines, client, start, faultAt);
                final List<Scenario.Event> hit = scenario.fault(mesh, phases, busiest);
                Scenario.pause(recovery);
                final long end = Scenario.now();
                lines.addAll(mesh.takeRecords(scenario.cliName()));
                final String names = hitNames(mesh, hit);
                ran.add(new Ran(scenario, names, start, end, hit));
                progress.step(ScenarioResult.of(scenario, names, lines, start, end, hit)
                        .toString());
            }
            // The calls still in flight at the last scenario's end: their outcome counts too.
            Scenario.pause(Duration.ofSeconds(5));
            lines.addAll(mesh.takeRecords("end"));
        } finally {
            final @Nullable ChaosMesh mesh = running.getAndSet(null);
            if (mesh != null) {
                mesh.close();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // Already shutting down: the hook runs, and finds nothing left to do.
            }
        }
        final List<ScenarioResult> results = new ArrayList<>();
        for (Ran r : ran) {
            results.add(ScenarioResult.of(r.scenario, r.hit, lines, r.start, r.end, r.events));
        }
        this.results = List.copyOf(results);
        out.print(ChaosReport.render(results, this));
        out.flush();
        return 0;
    }
}
