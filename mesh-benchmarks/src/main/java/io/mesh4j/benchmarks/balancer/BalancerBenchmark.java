package io.mesh4j.benchmarks.balancer;

import static io.mesh4j.benchmarks.balancer.BalancerResults.forCase;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;

import io.mesh4j.benchmarks.cli.DurationConverter;
import io.mesh4j.benchmarks.load.Call;
import io.mesh4j.benchmarks.load.LoadResult;
import io.mesh4j.benchmarks.load.OpenLoop;
import io.mesh4j.benchmarks.report.Progress;
import io.mesh4j.client.MeshClient;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.registry.MeshRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Benchmark 3: how well each balancer steers around one slow instance of five. A real registry and five real
 * Armeria servers, all in this process, and one mesh client per balancer with everything else as shipped; the
 * balancers take turns at the same fixed rate, in an order that rotates from round to round.
 */
@Command(
        name = "balancer",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Latency and traffic shares of P2C-EWMA, round robin and random with one instance of five "
                + "ten times slower, against P2C-EWMA without it.")
public final class BalancerBenchmark implements Callable<Integer> {

    @Option(names = "--rounds", defaultValue = "3", description = "Rounds of every balancer. Default: 3.")
    int rounds;

    @Option(
            names = "--rate",
            defaultValue = "500",
            description = "Requests per second, sent at a fixed rate whatever the answers. Default: 500.")
    int rate;

    @Option(
            names = "--service-time",
            defaultValue = "2ms",
            converter = DurationConverter.class,
            description = "How long a fast instance takes to answer. Default: 2ms.")
    Duration serviceTime = Duration.ofMillis(2);

    @Option(
            names = "--slow-factor",
            defaultValue = "10",
            description = "How many times longer the slow instance takes. Default: 10.")
    int slowFactor;

    @Option(names = "--instances", defaultValue = "5", description = "Instances, the slow one included. Default: 5.")
    int instances;

    @Option(
            names = "--warmup",
            defaultValue = "3s",
            converter = DurationConverter.class,
            description = "Unmeasured start of every phase, for the balancer to learn the instances. Default: 3s.")
    Duration warmup = Duration.ofSeconds(3);

    @Option(
            names = "--duration",
            defaultValue = "10s",
            converter = DurationConverter.class,
            description = "Measured part of every phase. Default: 10s.")
    Duration duration = Duration.ofSeconds(10);

    @Option(
            names = "--jit-warmup",
            defaultValue = "5s",
            converter = DurationConverter.class,
            description = "Load through every balancer before the first round, for the JIT. Default: 5s.")
    Duration jitWarmup = Duration.ofSeconds(5);

    @Option(
            names = "--work-dir",
            description = "Where the registry's data goes. Default: a new temporary " + "directory.")
    @Nullable
    Path workDir;

    private final PrintStream out;

    public BalancerBenchmark() {
        this(System.out);
    }

    BalancerBenchmark(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        if (instances < 2) {
            throw new IllegalArgumentException("instances: " + instances + " (expected: >= 2)");
        }
        final Path dir =
                workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("mesh4j-balancer-");
        final List<BalancerCase> cases = BalancerCase.all();
        final Progress progress = Progress.toStderr("balancer", rounds * cases.size());
        final Map<BalancerCase, MeshClient> clients = new EnumMap<>(BalancerCase.class);
        try (MeshRegistry registry = MeshRegistry.builder()
                        .plaintext()
                        .host("127.0.0.1")
                        .port(0)
                        .dataDir(dir.resolve("registry"))
                        .build()
                        .start()
                        .join();
                Backends backends =
                        Backends.start(RegistryClient.of(registry.uri()), instances, serviceTime, slowFactor)) {
            try {
                run(registry, backends, cases, clients, progress);
            } finally {
                // Before the registry stops, so that their watches end quietly rather than warn of an outage.
                clients.values().forEach(MeshClient::close);
            }
        }
        return 0;
    }

    private void run(
            MeshRegistry registry,
            Backends backends,
            List<BalancerCase> cases,
            Map<BalancerCase, MeshClient> clients,
            Progress progress)
            throws InterruptedException {
        final Map<BalancerCase, Call> calls = new EnumMap<>(BalancerCase.class);
        for (BalancerCase c : cases) {
            // A client of its own per balancer: what one balancer learns must not steer another.
            final MeshClient client = MeshClient.builder(registry.uri())
                    .plaintext()
                    .balancer(c.factory())
                    .build();
            clients.put(c, client);
            final WebClient web = client.webClient(c.service());
            awaitEndpoints(client, c, c.instances(instances));
            calls.put(
                    c,
                    () -> web.execute(HttpRequest.of(HttpMethod.GET, "/work")).aggregate());
        }
        if (!jitWarmup.isZero()) {
            progress.say("warming the JIT up through every balancer, " + jitWarmup.toSeconds() + " s each");
            for (BalancerCase c : cases) {
                OpenLoop.run(forCase(calls, c), rate, Duration.ZERO, jitWarmup);
            }
        }
        final BalancerResults results = new BalancerResults(cases, backends.names(), rate);
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < cases.size(); i++) {
                final BalancerCase c = cases.get((i + round) % cases.size());
                final Map<String, Long> answers = new ConcurrentHashMap<>();
                final LoadResult result = OpenLoop.run(forCase(calls, c), rate, warmup, duration, res -> {
                    final String instance = res.headers().get(Backends.INSTANCE_HEADER, "?");
                    answers.merge(instance, 1L, Long::sum);
                });
                results.add(c, result, answers);
                final List<Double> slowShares = forCase(results.slowShareByRound, c);
                progress.step(String.format(
                        "round %d/%d, %s: p99 %.0f µs, slow instance %.1f %%",
                        round + 1,
                        rounds,
                        c.label(),
                        result.latency().getValueAtPercentile(99) / 1e3,
                        slowShares.get(slowShares.size() - 1) * 100));
            }
        }
        out.println(new BalancerReport(results).render(setup()));
    }

    private String setup() {
        return String.format(
                "%d cores, %s %s; a registry and %d Armeria servers on loopback in one process with the load "
                        + "generator; each fast instance answers after %d ms, the slow one after %d ms (a timer, not CPU); "
                        + "one mesh client per balancer, with the rest of the default stack; %d rounds of %d s at %d "
                        + "requests/s after %d s of warm-up, balancers interleaved.",
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"),
                instances,
                serviceTime.toMillis(),
                serviceTime.multipliedBy(slowFactor).toMillis(),
                rounds,
                duration.toSeconds(),
                rate,
                warmup.toSeconds());
    }

    private static void awaitEndpoints(MeshClient client, BalancerCase c, int expected) throws InterruptedException {
        final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (client.endpoints(c.service()).size() < expected) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        c.service() + ": fewer than " + expected + " instances discovered within 30 s");
            }
            Thread.sleep(20);
        }
    }
}
