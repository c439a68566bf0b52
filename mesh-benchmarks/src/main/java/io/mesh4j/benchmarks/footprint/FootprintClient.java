package io.mesh4j.benchmarks.footprint;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;

import com.linecorp.armeria.common.AggregatedHttpResponse;

import io.mesh4j.benchmarks.load.LoadResult;
import io.mesh4j.benchmarks.load.OpenLoop;
import io.mesh4j.benchmarks.process.Fields;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A client process of the footprint benchmark: one client of the echo server, built one way ({@code --kind raw}
 * or {@code mesh}). It prints {@code ready mainMs=M} once its first request has been answered, as a service's first call
 * would be, then runs the loads its standard input asks for, {@code load rps=1000 ms=20000}, answering each with
 * {@code loaded completed=... ok=... errors=... allocated=... peakHeap=... gcs=...}. It stops on {@code quit} or at
 * the end of its input.
 */
@Command(name = "footprint-client", description = "The footprint benchmark's client process.")
public final class FootprintClient implements Callable<Integer> {

    /** The service a mesh client's identity is for. */
    static final String SERVICE = "loadgen";

    /** How long the first request may take to be answered, retries included, before the child gives up. */
    private static final Duration FIRST_ANSWER = Duration.ofSeconds(60);

    @Option(names = "--kind", required = true, description = "raw or mesh")
    private String kind = "";

    @Option(names = "--port", description = "The raw server's port; a mesh client finds its server by name.")
    private int port;

    @Mixin
    private final Credentials credentials = new Credentials();

    /** How long the JVM took to start, to the first line of {@code main}: the same for both kinds. */
    private static long mainMs;

    public static void main(String[] args) {
        mainMs = ManagementFactory.getRuntimeMXBean().getUptime();
        System.exit(new CommandLine(new FootprintClient()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        final SelfProbe probe = SelfProbe.install();
        // Each kind's classes are named in their own class only, so a raw client never loads mesh4j's.
        try (StartedClient client = Kind.MESH.flag().equals(kind)
                ? MeshEchoClient.start(credentials)
                : RawClient.start(credentials, port)) {
            awaitFirstAnswer(client);
            System.out.println("ready mainMs=" + mainMs);
            System.out.flush();
            final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null && !"quit".equals(line.trim()); line = in.readLine()) {
                final Fields fields = Fields.parse(line);
                probe.startWindow();
                final LoadResult result = OpenLoop.run(
                        client.call(), fields.getInt("rps"), Duration.ZERO, Duration.ofMillis(fields.getLong("ms")));
                System.out.println("loaded completed=" + result.completed() + " ok=" + result.ok() + " errors="
                        + result.errors() + ' ' + probe.window());
                System.out.flush();
            }
        }
        return 0;
    }

    /**
     * Calls until the server answers 200: a mesh client's first call may come before the registry has listed the
     * server, which is part of what its start costs.
     */
    private static void awaitFirstAnswer(StartedClient client) throws InterruptedException {
        final long deadline = System.nanoTime() + FIRST_ANSWER.toNanos();
        while (true) {
            try {
                final AggregatedHttpResponse res = client.call().send().join();
                if (res.status().isSuccess()) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the first request was answered " + res.status());
                }
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
            Thread.sleep(10);
        }
    }
}
