package io.mesh4j.benchmarks.registry;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.jspecify.annotations.Nullable;

import io.mesh4j.benchmarks.cli.DurationConverter;
import io.mesh4j.benchmarks.report.Progress;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Benchmark 2: how fast a registry change reaches its long-poll watchers, and what registrations, heartbeats and
 * instances cost the registry. Each configuration of watchers × instances runs against a registry process of its
 * own, with TLS, as {@code java -jar mesh-registry.jar} runs; the watchers and the writer share this process, so
 * that one clock times a change from its PUT to its last watcher.
 */
@Command(
        name = "registry",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Times a registry change from its PUT until every long-poll watcher has it.")
public final class RegistryBenchmark implements Callable<Integer> {

    @Option(
            names = "--watchers",
            split = ",",
            defaultValue = "100,1000",
            description = "Long-poll watchers, each on its own connection. Default: 100,1000.")
    List<Integer> watchers = new ArrayList<>();

    @Option(
            names = "--instances",
            split = ",",
            defaultValue = "100,10000",
            description = "Instances of the watched service. Default: 100,10000.")
    List<Integer> instances = new ArrayList<>();

    @Option(
            names = "--changes",
            defaultValue = "200",
            description = "Changes timed per configuration, one at a time: enough that the p99 is not the slowest "
                    + "one (of 200, the third slowest). Default: ${DEFAULT-VALUE}.")
    int changes;

    @Option(
            names = "--warmup-changes",
            defaultValue = "20",
            description = "Changes made and awaited, untimed, once the watchers are attached and before the timed "
                    + "ones: the first changes after start-up run the fan-out's code cold. Default: ${DEFAULT-VALUE}.")
    int warmupChanges;

    @Option(
            names = "--budget",
            defaultValue = "60s",
            converter = DurationConverter.class,
            description = "The most time spent on the changes of one configuration; fewer changes are timed if "
                    + "they take longer. Default: 60s.")
    Duration budget = Duration.ofSeconds(60);

    @Option(
            names = "--pause",
            defaultValue = "100ms",
            converter = DurationConverter.class,
            description = "The quiet time between a change every watcher has seen and the next. Default: 100ms.")
    Duration pause = Duration.ofMillis(100);

    @Option(
            names = "--heartbeats",
            defaultValue = "3s",
            converter = DurationConverter.class,
            description = "How long to send heartbeats for, per configuration. Default: 3s.")
    Duration heartbeats = Duration.ofSeconds(3);

    @Option(
            names = "--warmup-heartbeats",
            defaultValue = "100000",
            description = "Heartbeats sent, untimed, by the same senders before the timed ones: each configuration's "
                    + "replicas are new processes, and their heartbeat path (and the members') runs interpreted and "
                    + "is compiled during its first ~100,000 heartbeats, which then cost several times what they "
                    + "cost warm. 0 times them cold. Default: ${DEFAULT-VALUE}.")
    long warmupHeartbeats = 100_000;

    @Option(
            names = "--write-concurrency",
            defaultValue = "32",
            description = "Registrations and heartbeats in flight. Default: 32.")
    int writeConcurrency;

    @Option(
            names = "--warmup-writes",
            defaultValue = "5000",
            description = "Registrations (and as many deregistrations) of another service before anything is "
                    + "measured, for the registry's JIT. Default: 5000.")
    int warmupWrites;

    @Option(
            names = "--profile-from",
            defaultValue = "0",
            description = "Record the registry and the watchers with JFR during the changes of every configuration "
                    + "with at least this many watchers, and the replica and the members during its heartbeats, and "
                    + "print where the time goes. Default: 0 (off).")
    int profileFromWatchers;

    @Option(
            names = "--incremental",
            defaultValue = "true",
            arity = "1",
            description = "Whether the watchers ask for only what changed since their index (changes=true), as mesh "
                    + "clients do, or for the whole list every time (false). Default: true.")
    boolean incremental = true;

    @Option(
            names = "--watch",
            defaultValue = "stream",
            description = "stream: each watcher opens one watch stream (stream=true) and reads every change from it, "
                    + "as mesh clients do; poll: a long poll per change, as mesh clients did before streams and still "
                    + "do with a registry that does not stream. Default: ${DEFAULT-VALUE}.")
    Watcher.Mode watch = Watcher.Mode.stream;

    @Option(
            names = "--watchers-http2",
            defaultValue = "false",
            arity = "1",
            description = "Whether the watchers speak HTTP/2 and share connections (one per event loop), as the "
                    + "watches of one mesh client share one, rather than HTTP/1.1 with a TLS connection each. "
                    + "Default: false.")
    boolean watchersHttp2;

    @Option(
            names = "--store",
            defaultValue = "file",
            description = "file: one registry over its data directory; etcd: two replicas over a 3-member etcd "
                    + "(Debian's etcd-server) that the benchmark starts, changes and heartbeats sent to one and the "
                    + "watchers on the other. Default: ${DEFAULT-VALUE}.")
    RegistryUnderTest.Store store = RegistryUnderTest.Store.file;

    /** Whose heartbeats the run sends. */
    enum HeartbeatAs {
        member,
        operator
    }

    @Option(
            names = "--heartbeat-as",
            defaultValue = "member",
            description =
                    "member: heartbeats from --heartbeat-members workloads of the service, each with its certificate over "
                            + "its own HTTP/2 connection, as mesh members send them; operator: with the admin token, so each is "
                            + "written to the audit log (fsync'd) before it is answered, as the earlier runs in BENCHMARKS.md "
                            + "sent them. Default: ${DEFAULT-VALUE}.")
    HeartbeatAs heartbeatAs = HeartbeatAs.member;

    @Option(
            names = "--heartbeat-members",
            defaultValue = "32",
            description = "With --heartbeat-as member: how many members send the heartbeats, each joined with its own "
                    + "certificate and connection and heartbeating the instances it stands for (i mod N) in turn, with "
                    + "--write-concurrency / N heartbeats in flight each (at least one); no more members than instances. "
                    + "1 to 400 (the registry's --csr-burst). Default: ${DEFAULT-VALUE}, one heartbeat in flight each.")
    int heartbeatMembers = 32;

    @Option(
            names = "--lease-slack",
            description = "With --store etcd: the replicas' --lease-slack (percent of each instance's TTL). "
                    + "Default: the registry's own (50).")
    @Nullable
    Integer leaseSlack;

    @Option(
            names = "--work-dir",
            description = "Where the registries' data and logs go. Default: a new " + "temporary directory.")
    @Nullable
    Path workDir;

    private final PrintStream out;

    public RegistryBenchmark() {
        this(System.out);
    }

    RegistryBenchmark(PrintStream out) {
        this.out = out;
    }

    /** How the watchers watch, as the report's heading says it. */
    private String watching() {
        return (watch == Watcher.Mode.stream
                        ? "every watcher reads one watch stream (stream=true)"
                        : "every watcher long-polls")
                + (watchersHttp2
                        ? ", the watchers sharing HTTP/2 connections (one per event loop)"
                        : ", each on its own TLS connection (HTTP/1.1)");
    }

    /**
     * The registry's own flags: a 1 GiB heap, a size an operator would give it. Ten thousand instances answered
     * to a thousand watchers at once need it (see BENCHMARKS.md).
     */
    static final List<String> REGISTRY_FLAGS = List.of("-Xmx1g", "-XX:+UseG1GC");

    @Override
    public Integer call() throws Exception {
        final Path dir = workDir != null
                ? Files.createDirectories(workDir)
                : Files.createTempDirectory("mesh4j-registry-bench-");
        final Progress progress = Progress.toStderr("registry", watchers.size() * instances.size());
        progress.say("registries' data and logs in " + dir);
        progress.say(
                store == RegistryUnderTest.Store.etcd
                        ? "two registry replicas over a 3-member etcd: changes through one, watchers on the other"
                        : "one registry over its data directory");
        progress.say(incremental ? "watchers ask for changes only (changes=true)" : "watchers ask for the whole list");
        if (warmupChanges < 0 || changes < 1) {
            throw new CommandLine.ParameterException(
                    new CommandLine(this),
                    "--changes must be 1 or more and --warmup-changes 0 or more (got " + changes + " and "
                            + warmupChanges + ")");
        }
        if (watch == Watcher.Mode.stream && !incremental) {
            throw new CommandLine.ParameterException(
                    new CommandLine(this),
                    "--watch stream carries changes only: use --incremental true with it, or --watch poll");
        }
        progress.say((watch == Watcher.Mode.stream
                        ? "each watcher reads one watch stream (stream=true)"
                        : "each watcher long-polls, one call per change")
                + (watchersHttp2
                        ? ", over HTTP/2 connections shared by the watchers"
                        : ", over HTTP/1.1, a TLS connection each"));
        if (heartbeatMembers < 1 || heartbeatMembers > 400) {
            throw new CommandLine.ParameterException(
                    new CommandLine(this),
                    "--heartbeat-members: " + heartbeatMembers
                            + " (expected: 1 to 400, the members that join at once)");
        }
        if (warmupHeartbeats < 0) {
            throw new CommandLine.ParameterException(
                    new CommandLine(this), "--warmup-heartbeats: " + warmupHeartbeats + " (expected: 0 or more)");
        }
        if (leaseSlack != null && (leaseSlack < 0 || leaseSlack > 100)) {
            throw new CommandLine.ParameterException(
                    new CommandLine(this),
                    "--lease-slack: " + leaseSlack + " (expected: 0 to 100, percent of the TTL)");
        }
        if (leaseSlack != null && store != RegistryUnderTest.Store.etcd) {
            throw new CommandLine.ParameterException(
                    new CommandLine(this), "--lease-slack applies to --store etcd only");
        }
        final PropagationRun run = new PropagationRun(
                new PropagationRun.Settings(
                        changes,
                        warmupChanges,
                        budget,
                        pause,
                        heartbeats,
                        warmupHeartbeats,
                        writeConcurrency,
                        warmupWrites,
                        profileFromWatchers,
                        REGISTRY_FLAGS,
                        incremental,
                        store,
                        heartbeatAs == HeartbeatAs.operator,
                        heartbeatMembers,
                        leaseSlack,
                        watch,
                        watchersHttp2),
                progress);
        final List<PropagationRun.Result> results = new ArrayList<>();
        final List<String> failures = new ArrayList<>();
        for (int instanceCount : instances) {
            for (int watcherCount : watchers) {
                final String config = String.format("%,d watchers × %,d instances", watcherCount, instanceCount);
                try {
                    results.add(run.run(
                            dir.resolve("w" + watcherCount + "-i" + instanceCount), watcherCount, instanceCount));
                    progress.step(config + " done");
                } catch (Exception e) {
                    // One configuration past what the machine can do must not cost the others their results.
                    final Throwable cause = e.getCause() != null ? e.getCause() : e;
                    failures.add(config + ": " + cause);
                    progress.step(config + " did not complete: " + cause);
                }
            }
        }
        out.println(new RegistryReport(results, failures, store, watching()).render(machine()));
        results.stream()
                .map(PropagationRun.Result::profile)
                .filter(p -> !p.isEmpty())
                .forEach(out::println);
        return failures.isEmpty() || !results.isEmpty() ? 0 : 1;
    }

    private static String machine() {
        return Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("java.vm.name") + ' '
                + System.getProperty("java.runtime.version");
    }
}
