package io.mesh4j.benchmarks.footprint;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A server process of the footprint benchmark: the JSON echo, served one way ({@code --kind raw} or {@code mesh}),
 * and nothing else in the JVM. It prints {@code ready port=N mainMs=M} once it serves (a mesh server: and is registered),
 * then answers its standard input: {@code window} starts a measuring window ({@code window started}), {@code stats}
 * says what the window measured ({@code window allocated=... peakHeap=... gcs=...}). It stops on {@code quit}, at
 * the end of its input, or when it is stopped.
 */
@Command(name = "footprint-server", description = "The footprint benchmark's server process.")
public final class FootprintServer implements Callable<Integer> {

    /** The service the mesh server registers as and the mesh client calls. */
    static final String SERVICE = "echo";

    @Option(names = "--kind", required = true, description = "raw or mesh")
    private String kind = "";

    @Option(names = "--instance-id", description = "The mesh server's instance id.")
    private String instanceId = "echo-1";

    @Mixin
    private final Credentials credentials = new Credentials();

    /** How long the JVM took to start, to the first line of {@code main}: the same for both kinds. */
    private static long mainMs;

    public static void main(String[] args) {
        mainMs = ManagementFactory.getRuntimeMXBean().getUptime();
        System.exit(new CommandLine(new FootprintServer()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        final SelfProbe probe = SelfProbe.install();
        // Each kind's classes are named in their own class only, so a raw server never loads mesh4j's.
        try (StartedServer server = Kind.MESH.flag().equals(kind)
                ? MeshEchoServer.start(credentials, instanceId)
                : RawServer.start(credentials)) {
            System.out.println("ready port=" + server.port() + " mainMs=" + mainMs);
            System.out.flush();
            final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null && !"quit".equals(line.trim()); line = in.readLine()) {
                if ("window".equals(line.trim())) {
                    probe.startWindow();
                    System.out.println("window started");
                } else if ("stats".equals(line.trim())) {
                    System.out.println("window " + probe.window());
                } else {
                    System.out.println("unknown command: " + line);
                }
                System.out.flush();
            }
        }
        return 0;
    }
}
