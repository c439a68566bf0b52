package io.mesh4j.benchmarks.hop;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.jspecify.annotations.Nullable;

import io.mesh4j.benchmarks.cli.DurationConverter;
import io.mesh4j.benchmarks.load.LoadResult;
import io.mesh4j.benchmarks.process.MachineCpu;
import io.mesh4j.benchmarks.process.ProcessStats;
import io.mesh4j.benchmarks.profile.AllocationSummary;
import io.mesh4j.benchmarks.profile.JfrRecording;
import io.mesh4j.benchmarks.report.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Benchmark 1: what one hop costs on each path, measured side by side in one run. One client process and one
 * server process on loopback; the registry in a third; HAProxy for the sidecar path. Besides the HTTP paths, a gRPC
 * unary call and a TCP round trip, each raw and through the mesh ({@link HopPath}). The paths take turns within
 * each round, in an order that rotates from round to round, so that no path always runs first or last, and the
 * tables compare medians of the rounds.
 *
 * <p>With {@code --price-layers} it prices each layer of the default stacks instead: the mesh path with one role
 * removed at a time, against the full mesh path in the same processes ({@link LayerPriceRun}).
 */
@Command(
        name = "per-hop",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Prices one hop through mesh4j against raw Armeria (h2c, mTLS) and two HAProxy sidecars, and, "
                + "with --paths grpc-raw,grpc-mesh,tcp-raw,tcp-mesh, a gRPC call and a TCP round trip against their "
                + "raw paths; with --price-layers, each layer of mesh4j's default stacks.")
public final class PerHopBenchmark implements Callable<Integer> {

    @Option(names = "--rounds", defaultValue = "3", description = "Rounds of every measurement. Default: 3.")
    int rounds;

    @Option(
            names = "--concurrency",
            split = ",",
            defaultValue = "1,16,64",
            description = "Requests in flight of the throughput phases. Default: 1,16,64.")
    List<Integer> concurrencies = new ArrayList<>();

    @Option(
            names = "--rate",
            defaultValue = "2000",
            description = "Requests per second of the latency phases, below every path's saturation. Default: 2000.")
    int rate;

    // The phase lengths default shorter with --price-layers, which has some 22 phases a round instead of 4: unset
    // here, they are settled in call() (phases()).
    @Option(
            names = "--warmup",
            converter = DurationConverter.class,
            description = "Unmeasured start of every phase. Default: 2s (with --price-layers: 1s).")
    @Nullable
    Duration warmup;

    @Option(
            names = "--duration",
            converter = DurationConverter.class,
            description = "Measured part of every throughput phase. Default: 5s (with --price-layers: 3s).")
    @Nullable
    Duration duration;

    @Option(
            names = "--latency-duration",
            converter = DurationConverter.class,
            description = "Measured part of every latency (fixed-rate) phase. Default: 10s (with --price-layers: 5s).")
    @Nullable
    Duration latencyDuration;

    @Option(
            names = "--jit-warmup",
            converter = DurationConverter.class,
            description = "Load on each path before the first round, so that the JIT has compiled it. Default: 10s "
                    + "(with --price-layers: 3s for each path and variant).")
    @Nullable
    Duration jitWarmup;

    @Option(
            names = "--paths",
            split = ",",
            defaultValue = "a,b,c,d",
            description = "The paths to measure, by letter or name: HTTP a (h2c), b (tls: raw mTLS), c (mesh), "
                    + "d (sidecars); gRPC unary e (grpc-raw), f (grpc-mesh); TCP request-response g (tcp-raw), "
                    + "h (tcp-mesh). Default: a,b,c,d.")
    List<String> pathLetters = new ArrayList<>();

    @Option(
            names = "--price-layers",
            description = "Instead of the four paths: price each layer of the default stacks. (c) with one role "
                    + "removed at a time (a client role from the client's stack, a server role from the server's), "
                    + "interleaved with (c) and (b) in every round; CPU per request and allocation at --rate, "
                    + "throughput at the highest --concurrency. Default run: ~13 min.")
    boolean priceLayers;

    @Option(
            names = "--roles",
            split = ",",
            defaultValue = "all",
            description = "With --price-layers, the roles to price: all, client, server, a role (TRACING: on both "
                    + "sides), or side:ROLE (server:AUTHZ). Default: all.")
    List<String> roles = new ArrayList<>();

    @Option(
            names = "--profile",
            defaultValue = "0s",
            converter = DurationConverter.class,
            description = "After the rounds, record each path of the run but (a) and (d) (so (b) and (c) by "
                    + "default) with JFR in the client and server for this long at the highest concurrency, and "
                    + "print where the time goes and what allocates. Default: off.")
    Duration profile = Duration.ZERO;

    @Option(
            names = "--work-dir",
            description = "Where the logs, certificates and recordings go. Default: a new " + "temporary directory.")
    @Nullable
    Path workDir;

    private final PrintStream out;

    public PerHopBenchmark() {
        this(System.out);
    }

    PerHopBenchmark(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws IOException {
        final Phases phases = phases();
        final List<HopPath> paths = priceLayers
                ? List.of(HopPath.TLS, HopPath.MESH)
                : pathLetters.stream().map(HopPath::ofLetter).distinct().toList();
        final List<StackVariant> variants = priceLayers ? StackVariant.select(roles) : List.of();
        final Path dir =
                workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("mesh4j-per-hop-");
        final Progress progress = priceLayers
                ? Progress.toStderr("per-hop", LayerPriceRun.steps(variants.size(), rounds))
                : Progress.toStderr("per-hop", rounds * paths.size() * (concurrencies.size() + 1));
        progress.say("logs, certificates and recordings in " + dir);
        try (HopProcesses processes = HopProcesses.start(dir, paths, variants, progress)) {
            if (priceLayers) {
                final LayerPriceRun run =
                        new LayerPriceRun(processes, variants, rounds, maxConcurrency(), rate, phases, progress);
                progress.say(run.plan());
                out.println(new LayerPriceReport(run.run()).render(machine()));
            } else {
                warmUpJit(processes, paths, phases, progress);
                final PerHopResults results = new PerHopResults(paths, concurrencies, rate);
                for (int round = 0; round < rounds; round++) {
                    runRound(round, processes, rotate(paths, round), phases, results, progress);
                }
                processes.memory().forEach(results.memory::put);
                out.println(new PerHopReport(results).render(machine()));
            }
            if (!profile.isZero()) {
                profile(processes, paths, dir, progress);
            }
        }
        return 0;
    }

    /** The phase lengths of this run: those given, or the defaults of its mode. */
    private Phases phases() {
        final Phases defaults = priceLayers ? Phases.PRICE_DEFAULTS : Phases.DEFAULTS;
        return new Phases(
                warmup != null ? warmup : defaults.warmup(),
                duration != null ? duration : defaults.throughput(),
                latencyDuration != null ? latencyDuration : defaults.latency(),
                jitWarmup != null ? jitWarmup : defaults.jitWarmup());
    }

    private int maxConcurrency() {
        return concurrencies.stream().mapToInt(Integer::intValue).max().orElse(16);
    }

    private void warmUpJit(HopProcesses processes, List<HopPath> paths, Phases phases, Progress progress) {
        if (phases.jitWarmup().isZero()) {
            return;
        }
        for (HopPath path : paths) {
            progress.say(
                    "warming up " + path.label() + " for " + phases.jitWarmup().toSeconds() + " s");
            processes.throughput(path, maxConcurrency(), Duration.ZERO, phases.jitWarmup());
        }
    }

    private void runRound(
            int round,
            HopProcesses processes,
            List<HopPath> order,
            Phases phases,
            PerHopResults results,
            Progress progress) {
        final String name = "round " + (round + 1) + '/' + rounds;
        for (int concurrency : concurrencies) {
            for (HopPath path : order) {
                final MachineCpu before = MachineCpu.now();
                final LoadResult result = processes.throughput(path, concurrency, phases.warmup(), phases.throughput());
                results.throughput(
                        concurrency, path, result.throughput(), MachineCpu.now().busySince(before));
                results.errors += result.errors();
                progress.step(String.format(
                        "%s, %s, %d in flight: %,.0f req/s%s",
                        name, path.label(), concurrency, result.throughput(), errors(result)));
            }
        }
        for (HopPath path : order) {
            final Map<String, Long> pids = processes.pidsOf(path);
            final Map<String, Duration> cpuBefore = new LinkedHashMap<>();
            pids.forEach((role, pid) -> cpuBefore.put(role, ProcessStats.cpu(pid)));
            final MachineCpu before = MachineCpu.now();
            final LoadResult result = processes.rate(path, rate, phases.warmup(), phases.latency());
            final double busy = MachineCpu.now().busySince(before);
            final Map<String, Double> cpuPer10k = new LinkedHashMap<>();
            pids.forEach((role, pid) -> cpuPer10k.put(
                    role,
                    (ProcessStats.cpu(pid).minus(cpuBefore.get(role)).toNanos() / 1e9)
                            * 10_000
                            / Math.max(1, result.completed())));
            results.ratePhase(
                    path,
                    new PerHopResults.RatePhase(result.latency(), result.sendLag(), result.errors(), cpuPer10k, busy));
            results.errors += result.errors();
            progress.step(String.format(
                    "%s, %s, %,d req/s: p99 %.0f µs%s",
                    name, path.label(), rate, result.latency().getValueAtPercentile(99) / 1e3, errors(result)));
        }
    }

    private static String errors(LoadResult result) {
        return result.errors() > 0 ? String.format(" (%,d failed)", result.errors()) : "";
    }

    /** The paths in the order of round {@code round}: each round starts one path later than the one before. */
    static <T> List<T> rotate(List<T> paths, int round) {
        final List<T> order = new ArrayList<>();
        for (int i = 0; i < paths.size(); i++) {
            order.add(paths.get((i + round) % paths.size()));
        }
        return order;
    }

    private void profile(HopProcesses processes, List<HopPath> paths, Path dir, Progress progress) {
        final int concurrency = maxConcurrency();
        // (a) and (d) are left out: plain h2c is no one's comparison, and the sidecars' time is in HAProxy, where
        // JFR does not see.
        for (HopPath path : paths) {
            if (path == HopPath.H2C || path == HopPath.SIDECARS) {
                continue;
            }
            progress.say("profiling " + path.label() + " with JFR for " + profile.toSeconds() + " s");
            final JfrRecording clientRecording =
                    JfrRecording.start(processes.client().pid(), dir.resolve("client-" + path.letter() + ".jfr"));
            final JfrRecording serverRecording =
                    JfrRecording.start(processes.server().pid(), dir.resolve("server-" + path.letter() + ".jfr"));
            processes.throughput(path, concurrency, Duration.ZERO, profile);
            final String client = "client process, " + path.label() + ", " + concurrency + " in flight";
            final String server = "server process, " + path.label() + ", " + concurrency + " in flight";
            out.println(clientRecording.stop().summary(client));
            out.println(serverRecording.stop().summary(server));
            out.println(AllocationSummary.read(clientRecording.file()).summary(client));
            out.println(AllocationSummary.read(serverRecording.file()).summary(server));
        }
    }

    private static String machine() {
        return Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("java.vm.name") + ' '
                + System.getProperty("java.runtime.version") + ", " + System.getProperty("os.name") + ' '
                + System.getProperty("os.version");
    }
}
