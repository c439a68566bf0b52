package io.mesh4j.benchmarks.quota;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;

import io.mesh4j.benchmarks.cli.DurationConverter;
import io.mesh4j.benchmarks.report.Progress;
import io.mesh4j.benchmarks.report.Table;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.routing.QuotaSpec;
import io.mesh4j.core.routing.RateLimitSpec;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.server.MeshServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The goals for mesh-wide quotas, measured: three instances behind one quota with skewed load (by default
 * 70/20/10% of 600 per second against 300 per second), the accepted rate over a window; after one instance
 * leaves, how soon the accepted rate is back within 5% of the quota; with the registry gone, the accepted rate
 * and the request latency (no request waits on a lease). Beside them, in the same run, per-instance limits of a
 * third of the quota each under the same load. Plaintext on loopback, in one process: the load generator shares
 * the machine with the instances, so run it on a quiet machine.
 */
@Command(
        name = "quotas",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Holds a mesh-wide quota across three instances under skewed load, an instance leaving and "
                + "the registry gone; beside per-instance limits.")
public final class QuotaBenchmark implements Callable<Integer> {

    private static final ServiceName SERVICE = ServiceName.of("quota-bench");

    @Option(names = "--quota", defaultValue = "300", description = "The quota, per second. Default: 300.")
    int quota;

    @Option(names = "--offered", defaultValue = "600", description = "Requests offered per second. Default: 600.")
    int offered;

    @Option(
            names = "--window",
            defaultValue = "60s",
            converter = DurationConverter.class,
            description = "How long each phase is measured. Default: 60s.")
    Duration window = Duration.ofSeconds(60);

    @Option(
            names = "--warmup",
            defaultValue = "10s",
            converter = DurationConverter.class,
            description = "Load before a phase is measured, for the leases to follow it. Default: 10s.")
    Duration warmup = Duration.ofSeconds(10);

    @Option(names = "--work-dir", description = "Where the registry keeps its data. Default: a temporary directory.")
    @Nullable
    Path workDir;

    // The pacer's state: the count it adds to and the spread of the load, replaced between phases.
    private volatile Counts current = new Counts();
    private volatile int[] skew = {100, 0, 0};
    private boolean pacing;

    /** What one slot of one second saw. */
    private static final class Counts {
        final AtomicLongArray acceptedPerSecond = new AtomicLongArray(3600);
        final AtomicLong sent = new AtomicLong();
        final Histogram latencyMicros = new ConcurrentHistogram(3);
        final long startNanos = System.nanoTime();
    }

    @Override
    public Integer call() throws Exception {
        final Path dir =
                workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("mesh4j-quota-");
        final Progress progress = Progress.toStderr("quotas", 5);
        final Table table = Table.of("phase", "limit", "offered/s", "accepted/s", "vs quota", "p99 latency")
                .alignLeft(2);
        final List<MeshServer> servers = new ArrayList<>();
        MeshRegistry registry = MeshRegistry.builder()
                .plaintext()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir.resolve("registry"))
                .build()
                .start()
                .join();
        final ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
        try {
            final List<WebClient> clients = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                final MeshServer server = MeshServer.builder(SERVICE.value(), registry.uri())
                        .plaintext()
                        .instanceId("quota-bench-" + i)
                        .advertisedHost("127.0.0.1")
                        .drainPeriod(Duration.ZERO)
                        .service("/work", (ctx, req) -> HttpResponse.of(HttpStatus.OK))
                        .build();
                server.start().join();
                servers.add(server);
                clients.add(WebClient.of("http://127.0.0.1:" + server.port()));
            }
            final RegistryClient admin = RegistryClient.of(registry.uri());
            final int[] skew = {70, 20, 10};

            progress.step("per-instance limits of " + quota / 3.0 + "/s each");
            admin.putRoutes(
                            SERVICE,
                            new RouteConfig(List.of(RouteRule.builder("all")
                                    .rateLimit(new RateLimitSpec(quota / 3.0, false))
                                    .build())))
                    .join();
            Counts counts = measure(load, clients, skew, progress);
            table.row(row("per-instance limits, 70/20/10", quota / 3 + "/s × 3", counts));

            progress.step("mesh-wide quota of " + quota + "/s");
            admin.putRoutes(
                            SERVICE,
                            new RouteConfig(
                                    List.of(RouteRule.builder("all").build()),
                                    Set.of(),
                                    List.of(new QuotaSpec("bench", null, null, quota, Duration.ofSeconds(1)))))
                    .join();
            counts = measure(load, clients, skew, progress);
            table.row(row("mesh-wide quota, 70/20/10", quota + "/s", counts));

            progress.step("one instance leaves");
            servers.remove(2).stop().join();
            // Its tenth of the load goes to the busiest instance, as callers move off it.
            final int[] afterLeave = {80, 20, 0};
            counts = start(load, clients, afterLeave);
            final double settled = secondsToWithin(counts, quota, 0.05, window);
            Thread.sleep(Math.max(0, window.toMillis() - (System.nanoTime() - counts.startNanos) / 1_000_000));
            table.row(row(
                    "after a leave (±5% after " + (settled < 0 ? "never" : format(settled) + " s") + ")",
                    quota + "/s",
                    counts));

            progress.step("registry gone");
            registry.close();
            counts = measure(load, clients, afterLeave, progress);
            table.row(row("registry gone (lease, then safe share)", quota + "/s", counts));
            progress.step("done");
            System.out.println("Mesh-wide quota vs per-instance limits, " + offered + "/s offered, windows of "
                    + window.toSeconds() + " s (after " + warmup.toSeconds() + " s of warm-up; the leave row from "
                    + "the leave on)");
            System.out.println(table);
        } finally {
            load.shutdownNow();
            servers.forEach(server -> server.stop().join());
            registry.close();
        }
        return 0;
    }

    /** Warms up, then measures one window of the load. */
    private Counts measure(ScheduledExecutorService load, List<WebClient> clients, int[] skew, Progress progress)
            throws InterruptedException {
        start(load, clients, skew);
        progress.say("warming up for " + warmup.toSeconds() + " s");
        // The load runs meanwhile: this is the benchmark's clock, not a wait for a condition.
        Thread.sleep(warmup.toMillis());
        final Counts measured = start(load, clients, skew);
        progress.say("measuring for " + window.toSeconds() + " s");
        Thread.sleep(window.toMillis());
        return measured;
    }

    /** Starts a fresh count of the paced load (the pacer is replaced). */
    private Counts start(ScheduledExecutorService load, List<WebClient> clients, int[] skew) {
        final Counts counts = new Counts();
        // One pacer per count: the previous one stops counting when it is replaced.
        current = counts;
        if (!pacing) {
            pacing = true;
            load.scheduleAtFixedRate(
                    () -> send(clients), 0, TimeUnit.SECONDS.toNanos(1) / offered, TimeUnit.NANOSECONDS);
        }
        this.skew = skew.clone();
        return counts;
    }

    private void send(List<WebClient> clients) {
        final Counts counts = current;
        final int[] skew = this.skew;
        final long n = counts.sent.getAndIncrement();
        final int slot = (int) (n % 100);
        final int instance = slot < skew[0] ? 0 : slot < skew[0] + skew[1] ? 1 : 2;
        if (instance >= clients.size()) {
            return;
        }
        final long sentAt = System.nanoTime();
        clients.get(instance).get("/work").aggregate().handle((res, cause) -> {
            final long now = System.nanoTime();
            counts.latencyMicros.recordValue(Math.max(0, (now - sentAt) / 1000));
            if (cause == null && res.status() == HttpStatus.OK) {
                final int second = (int) Math.min(3599, (now - counts.startNanos) / 1_000_000_000L);
                counts.acceptedPerSecond.incrementAndGet(second);
            }
            return null;
        });
    }

    /** Seconds from the count's start to the first whole second whose accepted rate is within {@code tolerance}. */
    private static double secondsToWithin(Counts counts, int quota, double tolerance, Duration budget)
            throws InterruptedException {
        final long deadline = System.nanoTime() + budget.toNanos();
        int second = 0;
        while (System.nanoTime() < deadline) {
            final long complete = (System.nanoTime() - counts.startNanos) / 1_000_000_000L - 1;
            for (; second < complete; second++) {
                final long accepted = counts.acceptedPerSecond.get(second);
                if (Math.abs(accepted - quota) <= quota * tolerance) {
                    return second + 1;
                }
            }
            Thread.sleep(100);
        }
        return -1;
    }

    private String[] row(String phase, String limit, Counts counts) {
        final double seconds = Math.max(1, (System.nanoTime() - counts.startNanos) / 1e9);
        long accepted = 0;
        for (int i = 0; i < counts.acceptedPerSecond.length(); i++) {
            accepted += counts.acceptedPerSecond.get(i);
        }
        final double rate = accepted / Math.min(seconds, window.toSeconds() + 1.0);
        return new String[] {
            phase,
            limit,
            Integer.toString(offered),
            format(rate),
            String.format(Locale.ROOT, "%+.1f%%", 100 * (rate - quota) / quota),
            format(counts.latencyMicros.getValueAtPercentile(99) / 1000.0) + " ms"
        };
    }

    private static String format(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }
}
