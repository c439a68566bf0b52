package io.mesh4j.benchmarks.chaos;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.SimpleDecoratingHttpClient;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.stack.Layer;
import io.mesh4j.core.stack.Role;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A caller of the chaos run's service: a {@link MeshClient} with the default stack (retries within a budget,
 * breakers and ejection, P2C, mTLS) that sends {@code GET /echo} at a fixed rate whatever the answers, and records
 * every call, every attempt and its own retry counters as lines:
 * <pre>
 * C due-epoch-ms latency-µs instance-id | !error     a call, as its caller saw it (latency counted from when due)
 * A start-epoch-ms instance-address 1|0              an attempt, to the instance the balancer picked; 1 if answered 2xx
 * R epoch-ms retries budget-exhausted                 mesh_client_retries_total and ..._budget_exhausted_total, summed
 * </pre>
 * It prints {@code ready} once it has seen the instances; {@code dump FILE} on its standard input appends the lines
 * recorded since the last dump to FILE and answers {@code dumped N}.
 */
@Command(name = "chaos-client", description = "A caller of the chaos run's service.")
public final class ChaosClient implements Callable<Integer> {

    @Option(names = "--registry", required = true)
    private URI registry = URI.create("https://127.0.0.1:7070");

    @Option(names = "--trust-bundle", required = true)
    private Path trustBundle = Path.of("");

    @Option(names = "--join-token-file", required = true)
    private Path joinTokenFile = Path.of("");

    @Option(names = "--rate", required = true, description = "Calls per second.")
    private int rate;

    @Option(names = "--instances", required = true, description = "How many instances to see before starting.")
    private int instances;

    private final Queue<String> records = new ConcurrentLinkedQueue<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new ChaosClient()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        final WorkloadIdentity identity = WorkloadIdentity.builder(registry, "loadgen")
                .joinTokenFile(joinTokenFile)
                .trustBundleFile(trustBundle)
                .build();
        identity.onRenewal(
                () -> System.err.println("chaos-client: certificate renewed, expires " + identity.expiresAt()));
        // The default stack, and below everything per attempt one recorder of which instance each attempt went to.
        final Layer<HttpClient> attempts =
                Layer.of(Role.perAttempt("CHAOS_ATTEMPTS"), delegate -> new AttemptRecorder(delegate, records));
        final MeshClient mesh = MeshClient.builder(registry)
                .identity(identity)
                .stack(s -> s.append(attempts))
                .build();
        // The client watches a service from its first web client on.
        final WebClient echo = mesh.webClient(ChaosInstance.SERVICE);
        awaitInstances(mesh);
        final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        final MeterRegistry meters = mesh.telemetry().meterRegistry();
        sampler.scheduleAtFixedRate(
                () -> records.add("R " + System.currentTimeMillis() + ' ' + sum(meters, "mesh.client.retries") + ' '
                        + sum(meters, "mesh.client.retry.budget.exhausted")),
                0,
                250,
                TimeUnit.MILLISECONDS);
        final Thread load = new Thread(() -> sendForever(echo), "chaos-load");
        load.setDaemon(true);
        load.start();
        System.out.println("ready");
        System.out.flush();
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            final String[] words = line.trim().split(" ", 2);
            if (words.length == 2 && "dump".equals(words[0])) {
                System.out.println("dumped " + dump(Path.of(words[1])));
                System.out.flush();
            }
        }
        sampler.shutdownNow();
        mesh.close();
        identity.close();
        return 0;
    }

    private void awaitInstances(MeshClient mesh) throws InterruptedException {
        final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (mesh.endpoints(ServiceName.of(ChaosInstance.SERVICE)).size() < instances) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the registry listed fewer than " + instances + " instances of "
                        + ChaosInstance.SERVICE + " within 60 s");
            }
            Thread.sleep(50);
        }
    }

    /** Open loop: call i is due at start + i / rate and is sent then, whatever happened to those before it. */
    private void sendForever(WebClient echo) {
        final long periodNanos = TimeUnit.SECONDS.toNanos(1) / rate;
        final long startNanos = System.nanoTime();
        final long startMillis = System.currentTimeMillis();
        for (long i = 0; ; i++) {
            final long dueNanos = startNanos + i * periodNanos;
            for (long wait = dueNanos - System.nanoTime(); wait > 0; wait = dueNanos - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            final long dueMillis = startMillis + TimeUnit.NANOSECONDS.toMillis(dueNanos - startNanos);
            echo.get(ChaosInstance.PATH).aggregate().whenComplete((res, cause) -> {
                final long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - dueNanos);
                final String outcome;
                if (cause != null) {
                    outcome = '!' + cause.getClass().getSimpleName();
                    // The records keep the kind; the log keeps why, for whoever looks into a failed call.
                    System.err.println("chaos-client: the call due at " + dueMillis + " failed: " + cause
                            + (cause.getCause() != null ? ", caused by " + cause.getCause() : ""));
                } else if (!res.status().isSuccess()) {
                    outcome = "!" + res.status().code();
                } else {
                    outcome = res.contentUtf8();
                }
                records.add("C " + dueMillis + ' ' + micros + ' ' + outcome);
            });
        }
    }

    private int dump(Path file) throws IOException {
        int n = 0;
        try (Writer out = Files.newBufferedWriter(
                file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            for (@Nullable String line = records.poll(); line != null; line = records.poll()) {
                out.write(line);
                out.write('\n');
                n++;
            }
        }
        return n;
    }

    private static long sum(MeterRegistry meters, String name) {
        return Math.round(meters.find(name).counters().stream()
                .mapToDouble(Counter::count)
                .sum());
    }

    /** Records the instance each attempt went to, and whether it answered 2xx. */
    private static final class AttemptRecorder extends SimpleDecoratingHttpClient {
        private final Queue<String> records;

        AttemptRecorder(HttpClient delegate, Queue<String> records) {
            super(delegate);
            this.records = records;
        }

        @Override
        public HttpResponse execute(ClientRequestContext ctx, HttpRequest req) throws Exception {
            final long start = System.currentTimeMillis();
            final @Nullable Endpoint endpoint = ctx.endpoint();
            final String host = endpoint == null ? "none" : endpoint.host();
            ctx.log()
                    .whenComplete()
                    .thenAccept(log -> records.add("A " + start + ' ' + host + ' '
                            + (log.responseCause() == null
                                            && log.responseHeaders().status().isSuccess()
                                    ? 1
                                    : 0)));
            return unwrap().execute(ctx, req);
        }
    }
}
