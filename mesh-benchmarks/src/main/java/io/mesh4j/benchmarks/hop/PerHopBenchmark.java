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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import io.mesh4j.benchmarks.cli.DurationConverter;
import io.mesh4j.benchmarks.load.LoadResult;
import io.mesh4j.benchmarks.process.ChildProcess;
import io.mesh4j.benchmarks.process.JvmFlags;
import io.mesh4j.benchmarks.process.MachineCpu;
import io.mesh4j.benchmarks.process.ProcessStats;
import io.mesh4j.benchmarks.process.RegistryProcess;
import io.mesh4j.benchmarks.profile.JfrRecording;
import io.mesh4j.benchmarks.report.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Benchmark 1: what one hop costs on each path, measured side by side in one run. One client process and one
 * server process on loopback; the registry in a third; HAProxy for the sidecar path. The paths take turns within
 * each round, in an order that rotates from round to round, so that no path always runs first or last, and the
 * tables compare medians of the rounds.
 */
@Command(
        name = "per-hop",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Prices one hop through mesh4j against raw Armeria (h2c, mTLS) and two HAProxy sidecars.")
public final class PerHopBenchmark implements Callable<Integer> {

    private static final Pattern SERVING = Pattern.compile("serving h2c=(\\d+) tls=(\\d+) mesh=(\\d+)");
    private static final Pattern READY = Pattern.compile("^ready$");
    private static final Pattern RESULT = Pattern.compile("^result (.*)$");

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

    @Option(
            names = "--warmup",
            defaultValue = "2s",
            converter = DurationConverter.class,
            description = "Unmeasured start of every phase. Default: 2s.")
    Duration warmup = Duration.ofSeconds(2);

    @Option(
            names = "--duration",
            defaultValue = "5s",
            converter = DurationConverter.class,
            description = "Measured part of every throughput phase. Default: 5s.")
    Duration duration = Duration.ofSeconds(5);

    @Option(
            names = "--latency-duration",
            defaultValue = "10s",
            converter = DurationConverter.class,
            description = "Measured part of every latency phase. Default: 10s.")
    Duration latencyDuration = Duration.ofSeconds(10);

    @Option(
            names = "--jit-warmup",
            defaultValue = "10s",
            converter = DurationConverter.class,
            description = "Load on each path before the first round, so that the JIT has compiled it. Default: 10s.")
    Duration jitWarmup = Duration.ofSeconds(10);

    @Option(
            names = "--paths",
            split = ",",
            defaultValue = "a,b,c,d",
            description = "The paths to measure (a: h2c, b: mTLS, c: mesh4j, d: sidecars). Default: a,b,c,d.")
    List<String> pathLetters = new ArrayList<>();

    @Option(
            names = "--profile",
            defaultValue = "0s",
            converter = DurationConverter.class,
            description = "After the rounds, record (b) and (c) with JFR in the client and server for this long "
                    + "at the highest concurrency, and print where the time goes. Default: off.")
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
        final List<HopPath> paths =
                pathLetters.stream().map(HopPath::ofLetter).distinct().toList();
        final Path dir =
                workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("mesh4j-per-hop-");
        final Progress progress = Progress.toStderr("per-hop", rounds * paths.size() * (concurrencies.size() + 1));
        progress.say("logs, certificates and recordings in " + dir);
        final PerHopResults results = new PerHopResults(paths, concurrencies, rate);
        final List<AutoCloseable> started = new ArrayList<>();
        try {
            final Processes processes = start(dir, paths, started, progress);
            warmUpJit(processes.client, paths, progress);
            for (int round = 0; round < rounds; round++) {
                runRound(round, processes, rotate(paths, round), results, progress);
            }
            processes.memory().forEach(results.memory::put);
            out.println(new PerHopReport(results).render(machine()));
            if (!profile.isZero()) {
                profile(processes, dir, progress);
            }
        } finally {
            for (int i = started.size() - 1; i >= 0; i--) {
                try {
                    started.get(i).close();
                } catch (Exception e) {
                    progress.say("could not stop " + started.get(i) + ": " + e);
                }
            }
        }
        return 0;
    }

    /** The processes of one run, started in the order a deployment would: registry, server, sidecars, client. */
    private record Processes(
            RegistryProcess registry,
            ChildProcess server,
            @Nullable HaproxySidecars sidecars,
            ChildProcess client) {

        Map<String, PerHopResults.Memory> memory() {
            final Map<String, PerHopResults.Memory> memory = new LinkedHashMap<>();
            memory.put("client (load generator + every path's client)", memoryOf(client.pid()));
            memory.put("server (every path's server)", memoryOf(server.pid()));
            memory.put("registry", memoryOf(registry.pid()));
            if (sidecars != null) {
                memory.put(
                        "HAProxy client sidecar",
                        memoryOf(sidecars.clientSidecar().pid()));
                memory.put(
                        "HAProxy server sidecar",
                        memoryOf(sidecars.serverSidecar().pid()));
            }
            return memory;
        }

        private static PerHopResults.Memory memoryOf(long pid) {
            return new PerHopResults.Memory(ProcessStats.rssBytes(pid), ProcessStats.peakRssBytes(pid));
        }
    }

    private Processes start(Path dir, List<HopPath> paths, List<AutoCloseable> started, Progress progress) {
        final BenchPki.Issued pki = BenchPki.write(dir);
        progress.say("starting the registry");
        final RegistryProcess registry = RegistryProcess.start(dir, JvmFlags.DEFAULT);
        started.add(registry);
        final List<String> tls = List.of(
                "--registry", registry.uri().toString(),
                "--trust-bundle", registry.trustBundle().toString(),
                "--ca", pki.ca().toString());
        progress.say("starting the server process");
        final List<String> serverArgs = new ArrayList<>(tls);
        serverArgs.addAll(List.of(
                "--join-token-file",
                registry.joinTokenFile("echo", dir.resolve("echo.token")).toString(),
                "--cert",
                pki.serverCert().toString(),
                "--key",
                pki.serverKey().toString()));
        final ChildProcess server = ChildProcess.startJava(
                "server", JvmFlags.DEFAULT, HopServer.class.getName(), serverArgs, dir.resolve("server.log"));
        started.add(server);
        final Matcher ports = server.awaitLine(SERVING, Duration.ofSeconds(60));
        final int h2cPort = Integer.parseInt(ports.group(1));
        @Nullable HaproxySidecars sidecars = null;
        if (paths.contains(HopPath.SIDECARS)) {
            progress.say("starting the HAProxy sidecars");
            sidecars = HaproxySidecars.start(dir, pki, h2cPort);
            started.add(sidecars);
        }
        progress.say("starting the client process");
        final List<String> clientArgs = new ArrayList<>(tls);
        clientArgs.addAll(List.of(
                "--join-token-file",
                registry.joinTokenFile("loadgen", dir.resolve("loadgen.token")).toString(),
                "--cert",
                pki.clientCert().toString(),
                "--key",
                pki.clientKey().toString(),
                "--h2c-port",
                Integer.toString(h2cPort),
                "--tls-port",
                ports.group(2)));
        if (sidecars != null) {
            clientArgs.addAll(List.of("--sidecar-port", Integer.toString(sidecars.clientPort())));
        }
        final ChildProcess client = ChildProcess.startJava(
                "client", JvmFlags.DEFAULT, HopClient.class.getName(), clientArgs, dir.resolve("client.log"));
        started.add(() -> {
            client.send("quit");
            client.close();
        });
        client.awaitLine(READY, Duration.ofSeconds(60));
        return new Processes(registry, server, sidecars, client);
    }

    private void warmUpJit(ChildProcess client, List<HopPath> paths, Progress progress) {
        if (jitWarmup.isZero()) {
            return;
        }
        final int concurrency =
                concurrencies.stream().mapToInt(Integer::intValue).max().orElse(16);
        for (HopPath path : paths) {
            progress.say("warming up " + path.label() + " for " + jitWarmup.toSeconds() + " s");
            throughput(client, path, concurrency, Duration.ZERO, jitWarmup);
        }
    }

    private void runRound(
            int round, Processes processes, List<HopPath> order, PerHopResults results, Progress progress) {
        final String name = "round " + (round + 1) + '/' + rounds;
        for (int concurrency : concurrencies) {
            for (HopPath path : order) {
                final MachineCpu before = MachineCpu.now();
                final LoadResult result = throughput(processes.client, path, concurrency, warmup, duration);
                results.throughput(
                        concurrency, path, result.throughput(), MachineCpu.now().busySince(before));
                results.errors += result.errors();
                progress.step(String.format(
                        "%s, %s, %d in flight: %,.0f req/s%s",
                        name, path.label(), concurrency, result.throughput(), errors(result)));
            }
        }
        for (HopPath path : order) {
            final Map<String, Long> pids = pidsOf(processes, path);
            final Map<String, Duration> cpuBefore = new LinkedHashMap<>();
            pids.forEach((role, pid) -> cpuBefore.put(role, ProcessStats.cpu(pid)));
            final MachineCpu before = MachineCpu.now();
            final LoadResult result = ask(
                    processes.client,
                    "rate path=" + path.letter() + " rps=" + rate
                            + " warmupMs=" + warmup.toMillis()
                            + " measureMs=" + latencyDuration.toMillis(),
                    warmup.plus(latencyDuration));
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

    /** The processes a request of {@code path} passes through, by their role. */
    private static Map<String, Long> pidsOf(Processes processes, HopPath path) {
        final Map<String, Long> pids = new LinkedHashMap<>();
        pids.put(PerHopReport.CLIENT, processes.client.pid());
        pids.put(PerHopReport.SERVER, processes.server.pid());
        if (path == HopPath.SIDECARS && processes.sidecars != null) {
            pids.put(
                    PerHopReport.CLIENT_SIDECAR,
                    processes.sidecars.clientSidecar().pid());
            pids.put(
                    PerHopReport.SERVER_SIDECAR,
                    processes.sidecars.serverSidecar().pid());
        }
        return pids;
    }

    private static String errors(LoadResult result) {
        return result.errors() > 0 ? String.format(" (%,d failed)", result.errors()) : "";
    }

    private static LoadResult throughput(
            ChildProcess client, HopPath path, int concurrency, Duration warmup, Duration measure) {
        return ask(
                client,
                "throughput path=" + path.letter() + " concurrency=" + concurrency + " warmupMs=" + warmup.toMillis()
                        + " measureMs=" + measure.toMillis(),
                warmup.plus(measure));
    }

    private static LoadResult ask(ChildProcess client, String command, Duration phase) {
        final Matcher result = client.ask(command, RESULT, phase.plus(Duration.ofSeconds(60)));
        return LoadResult.fromLine(result.group(1));
    }

    /** The paths in the order of round {@code round}: each round starts one path later than the one before. */
    static List<HopPath> rotate(List<HopPath> paths, int round) {
        final List<HopPath> order = new ArrayList<>();
        for (int i = 0; i < paths.size(); i++) {
            order.add(paths.get((i + round) % paths.size()));
        }
        return order;
    }

    private void profile(Processes processes, Path dir, Progress progress) {
        final int concurrency =
                concurrencies.stream().mapToInt(Integer::intValue).max().orElse(16);
        for (HopPath path : List.of(HopPath.TLS, HopPath.MESH)) {
            progress.say("profiling " + path.label() + " with JFR for " + profile.toSeconds() + " s");
            final JfrRecording client =
                    JfrRecording.start(processes.client.pid(), dir.resolve("client-" + path.letter() + ".jfr"));
            final JfrRecording server =
                    JfrRecording.start(processes.server.pid(), dir.resolve("server-" + path.letter() + ".jfr"));
            throughput(processes.client, path, concurrency, Duration.ZERO, profile);
            out.println(client.stop().summary("client process, " + path.label() + ", " + concurrency + " in flight"));
            out.println(server.stop().summary("server process, " + path.label() + ", " + concurrency + " in flight"));
        }
    }

    private static String machine() {
        return Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("java.vm.name") + ' '
                + System.getProperty("java.runtime.version") + ", " + System.getProperty("os.name") + ' '
                + System.getProperty("os.version");
    }
}
