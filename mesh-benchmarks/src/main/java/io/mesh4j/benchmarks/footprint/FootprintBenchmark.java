package io.mesh4j.benchmarks.footprint;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import io.mesh4j.benchmarks.cli.DurationConverter;
import io.mesh4j.benchmarks.hop.BenchPki;
import io.mesh4j.benchmarks.process.ChildProcess;
import io.mesh4j.benchmarks.process.Fields;
import io.mesh4j.benchmarks.process.Jcmd;
import io.mesh4j.benchmarks.process.JvmFlags;
import io.mesh4j.benchmarks.process.ProcessStats;
import io.mesh4j.benchmarks.process.RegistryProcess;
import io.mesh4j.benchmarks.report.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Benchmark 5: what a service pays in memory, classes, threads and start-up for being a mesh4j service rather
 * than a raw Armeria one. Each round starts, one kind after the other, a server and a client of that kind in JVMs
 * of their own with the same flags and class path, lets the client call the server at a fixed rate, and measures
 * both from outside ({@code /proc}, {@code jcmd}) and from inside (allocation, peak heap). The kinds take turns in
 * an order that rotates from round to round. {@code --explain} adds one recorded run of each kind, which says what
 * loads the extra classes and what allocates per request.
 */
@Command(
        name = "footprint",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Prices a mesh4j server and client in RSS, heap, classes, threads and start-up against raw "
                + "Armeria.")
public final class FootprintBenchmark implements Callable<Integer> {

    private static final Pattern SERVER_READY = Pattern.compile("^ready port=(\\d+) mainMs=(\\d+)$");
    private static final Pattern CLIENT_READY = Pattern.compile("^ready mainMs=(\\d+)$");
    private static final Pattern LOADED = Pattern.compile("^loaded (.*)$");
    private static final Pattern WINDOW_STARTED = Pattern.compile("^window started$");
    private static final Pattern WINDOW = Pattern.compile("^window (.*)$");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    @Option(names = "--rounds", defaultValue = "3", description = "Rounds of every measurement. Default: 3.")
    int rounds;

    @Option(
            names = "--rate",
            defaultValue = "1000",
            description = "Requests per second each client sends its server. Default: 1000.")
    int rate;

    @Option(
            names = "--warmup",
            defaultValue = "5s",
            converter = DurationConverter.class,
            description = "Unmeasured load before the measured one, so that the JIT has compiled the request "
                    + "path. Default: 5s.")
    Duration warmup = Duration.ofSeconds(5);

    @Option(
            names = "--duration",
            defaultValue = "20s",
            converter = DurationConverter.class,
            description = "Measured load of every round (the issue's run: 60s). Default: 20s.")
    Duration duration = Duration.ofSeconds(20);

    @Option(
            names = "--explain",
            description = "After the rounds, one more run of each kind with a flight recording from the JVM's start: "
                    + "prints which libraries the extra classes come from, which mesh4j class loaded them, and "
                    + "what allocates per request.")
    boolean explain;

    @Option(
            names = "--work-dir",
            description = "Where the logs, certificates and recordings go. Default: a new temporary directory.")
    @Nullable
    Path workDir;

    private final PrintStream out;

    public FootprintBenchmark() {
        this(System.out);
    }

    FootprintBenchmark(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws IOException {
        final Path dir =
                workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("mesh4j-footprint-");
        final Progress progress = Progress.toStderr("footprint", rounds * 2 + (explain ? 2 : 0));
        progress.say("logs, certificates and recordings in " + dir);
        final BenchPki.Issued pki = BenchPki.write(dir);
        progress.say("starting the registry");
        final FootprintResults results = new FootprintResults();
        try (RegistryProcess registry = RegistryProcess.start(dir, JvmFlags.DEFAULT)) {
            final Services services = new Services(dir, pki, registry);
            for (int round = 0; round < rounds; round++) {
                for (Kind kind : order(round)) {
                    final String name = "round " + (round + 1) + '/' + rounds + ", " + kind.description();
                    final Measured measured = run(services, kind, name, null);
                    measured.values.forEach((role, values) -> results.add(role, kind, values));
                    results.failedRequests += measured.failed;
                    progress.step(String.format(
                            "%s: server ready in %s, client in %s; RSS %s and %s",
                            name,
                            Measure.seconds(measured.value(Role.SERVER, Measure.TIME_TO_READY)),
                            Measure.seconds(measured.value(Role.CLIENT, Measure.TIME_TO_READY)),
                            Measure.mebibytes(measured.value(Role.SERVER, Measure.RSS)),
                            Measure.mebibytes(measured.value(Role.CLIENT, Measure.RSS))));
                }
            }
            out.println(new FootprintReport(results).render(setup()));
            if (explain) {
                final ExplainReport report = new ExplainReport();
                for (Kind kind : Kind.values()) {
                    final String name = "explain run, " + kind.description();
                    run(services, kind, name, report);
                    progress.step(name + ": recorded");
                }
                out.println(report.render());
            }
        }
        return 0;
    }

    /** Raw first in odd rounds, mesh first in even ones. */
    private static List<Kind> order(int round) {
        return round % 2 == 0 ? List.of(Kind.RAW, Kind.MESH) : List.of(Kind.MESH, Kind.RAW);
    }

    /** What the children of every run are given. */
    private record Services(Path dir, BenchPki.Issued pki, RegistryProcess registry) {}

    /** What one run of one kind measured, per role. */
    private record Measured(Map<Role, Map<Measure, Double>> values, long failed) {

        double value(Role role, Measure measure) {
            return values.getOrDefault(role, Map.of()).getOrDefault(measure, Double.NaN);
        }
    }

    /**
     * Starts a server and then a client of {@code kind}, loads, measures both, and stops them. With {@code explain},
     * both record from their start, and what they recorded goes to it instead of the measures (which the
     * recording would distort).
     */
    private Measured run(Services services, Kind kind, String name, @Nullable ExplainReport explain) {
        final String tag = kind.flag() + '-' + name.replaceAll("[^A-Za-z0-9]+", "-");
        final Map<Measure, Double> serverValues = new EnumMap<>(Measure.class);
        final Map<Measure, Double> clientValues = new EnumMap<>(Measure.class);

        final long serverStart = System.nanoTime();
        final ChildProcess server = ChildProcess.startJava(
                "server",
                flags(services, tag, Role.SERVER, explain != null),
                FootprintServer.class.getName(),
                serverArgs(services, kind, tag),
                services.dir().resolve(tag + "-server.log"));
        try {
            final Matcher serverReady = server.awaitLine(SERVER_READY, START_TIMEOUT);
            serverValues.put(Measure.TIME_TO_READY, (double) (System.nanoTime() - serverStart));
            final Instant serverReadyAt = Instant.now();
            serverValues.put(Measure.TIME_TO_MAIN, Long.parseLong(serverReady.group(2)) * 1e6);
            final int port = Integer.parseInt(serverReady.group(1));

            final long clientStart = System.nanoTime();
            final ChildProcess client = ChildProcess.startJava(
                    "client",
                    flags(services, tag, Role.CLIENT, explain != null),
                    FootprintClient.class.getName(),
                    clientArgs(services, kind, tag, port),
                    services.dir().resolve(tag + "-client.log"));
            try {
                final Matcher clientReady = client.awaitLine(CLIENT_READY, START_TIMEOUT);
                clientValues.put(Measure.TIME_TO_READY, (double) (System.nanoTime() - clientStart));
                final Instant clientReadyAt = Instant.now();
                clientValues.put(Measure.TIME_TO_MAIN, Long.parseLong(clientReady.group(1)) * 1e6);
                if (!warmup.isZero()) {
                    load(client, warmup);
                }
                server.ask("window", WINDOW_STARTED, Duration.ofSeconds(30));
                final Instant windowStart = Instant.now();
                final Fields loaded = load(client, duration);
                final Instant windowEnd = Instant.now();
                final Fields served = Fields.parse(
                        server.ask("stats", WINDOW, Duration.ofSeconds(30)).group(1));
                final long requests = loaded.getLong("completed");
                underLoad(serverValues, served, requests);
                underLoad(clientValues, loaded, requests);
                if (explain != null) {
                    for (Role role : Role.values()) {
                        final long pid = role == Role.SERVER ? server.pid() : client.pid();
                        final long jvmClasses = Jcmd.loadedClasses(pid);
                        final Map<String, Long> nativeMemory = Jcmd.nativeMemory(pid);
                        final List<String> threads = Jcmd.threadNames(pid);
                        explain.add(
                                role,
                                kind,
                                new ExplainReport.Run(
                                        ExplainRecording.stopAndRead(
                                                pid,
                                                recording(services, tag, role),
                                                role == Role.SERVER ? serverReadyAt : clientReadyAt,
                                                windowStart,
                                                windowEnd,
                                                requests),
                                        jvmClasses,
                                        nativeMemory,
                                        threads));
                    }
                } else {
                    measureAtRest(serverValues, server.pid());
                    measureAtRest(clientValues, client.pid());
                }
                return new Measured(
                        Map.of(Role.SERVER, serverValues, Role.CLIENT, clientValues), loaded.getLong("errors"));
            } finally {
                stop(client);
            }
        } finally {
            stop(server);
        }
    }

    /** The same flags for every child; an explain run adds its recording's. */
    private static List<String> flags(Services services, String tag, Role role, boolean explain) {
        final List<String> flags = new ArrayList<>(JvmFlags.DEFAULT);
        if (explain) {
            flags.addAll(ExplainRecording.jvmFlags(services.dir(), recording(services, tag, role)));
        }
        return flags;
    }

    private static Path recording(Services services, String tag, Role role) {
        return services.dir().resolve(tag + '-' + role.label() + ".jfr");
    }

    private Fields load(ChildProcess client, Duration length) {
        return Fields.parse(
                client.ask("load rps=" + rate + " ms=" + length.toMillis(), LOADED, length.plus(Duration.ofSeconds(60)))
                        .group(1));
    }

    private static void underLoad(Map<Measure, Double> values, Fields window, long requests) {
        values.put(Measure.PEAK_HEAP_UNDER_LOAD, (double) window.getLong("peakHeap"));
        values.put(Measure.ALLOCATED_PER_REQUEST, (double) window.getLong("allocated") / Math.max(1, requests));
        values.put(Measure.GCS_UNDER_LOAD, (double) window.getLong("gcs"));
    }

    /** What a process holds once its load is over: after a full collection, so that garbage does not count. */
    private static void measureAtRest(Map<Measure, Double> values, long pid) {
        values.put(Measure.PEAK_RSS, (double) ProcessStats.peakRssBytes(pid));
        final Jcmd.Heap heap = Jcmd.heapAfterFullGc(pid);
        values.put(Measure.RSS, (double) ProcessStats.rssBytes(pid));
        values.put(Measure.LIVE_HEAP, (double) heap.used());
        values.put(Measure.COMMITTED_HEAP, (double) heap.committed());
        values.put(Measure.METASPACE, (double) heap.metaspace());
        values.put(Measure.CLASSES, (double) Jcmd.loadedClasses(pid));
        values.put(Measure.THREADS, (double) ProcessStats.threads(pid));
    }

    private static List<String> serverArgs(Services services, Kind kind, String tag) {
        final List<String> args = new ArrayList<>(List.of("--kind", kind.flag()));
        if (kind == Kind.RAW) {
            args.addAll(List.of(
                    "--ca", services.pki().ca().toString(),
                    "--cert", services.pki().serverCert().toString(),
                    "--key", services.pki().serverKey().toString()));
        } else {
            args.addAll(meshArgs(services, FootprintServer.SERVICE, tag + "-server"));
            // A new instance per run, so that one still leaving the registry is never taken for this one.
            args.addAll(List.of("--instance-id", tag));
        }
        return args;
    }

    private static List<String> clientArgs(Services services, Kind kind, String tag, int port) {
        final List<String> args = new ArrayList<>(List.of("--kind", kind.flag()));
        if (kind == Kind.RAW) {
            args.addAll(List.of(
                    "--port", Integer.toString(port),
                    "--ca", services.pki().ca().toString(),
                    "--cert", services.pki().clientCert().toString(),
                    "--key", services.pki().clientKey().toString()));
        } else {
            args.addAll(meshArgs(services, FootprintClient.SERVICE, tag + "-client"));
        }
        return args;
    }

    private static List<String> meshArgs(Services services, String service, String tokenName) {
        final Path token =
                services.registry().joinTokenFile(service, services.dir().resolve(tokenName + ".token"));
        return List.of(
                "--registry", services.registry().uri().toString(),
                "--trust-bundle", services.registry().trustBundle().toString(),
                "--join-token-file", token.toString());
    }

    private static void stop(ChildProcess child) {
        if (child.isAlive()) {
            try {
                child.send("quit");
            } catch (RuntimeException gone) {
                // Its input is closed: it is on its way out already.
            }
        }
        child.close();
    }

    private String setup() {
        return Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("java.vm.name") + ' '
                + System.getProperty("java.runtime.version") + "; every JVM with " + String.join(" ", JvmFlags.DEFAULT)
                + " and the same class path; " + rounds + " round(s), raw and mesh in turn; each client sends its "
                + "server " + rate + " requests/s, " + warmup.toSeconds() + " s unmeasured and then "
                + duration.toSeconds() + " s measured; a registry runs throughout (the raw services do not use it).";
    }
}
