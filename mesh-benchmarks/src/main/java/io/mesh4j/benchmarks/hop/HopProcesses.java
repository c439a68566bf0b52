package io.mesh4j.benchmarks.hop;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import io.mesh4j.benchmarks.load.LoadResult;
import io.mesh4j.benchmarks.process.ChildProcess;
import io.mesh4j.benchmarks.process.Fields;
import io.mesh4j.benchmarks.process.JvmFlags;
import io.mesh4j.benchmarks.process.ProcessStats;
import io.mesh4j.benchmarks.process.RegistryProcess;
import io.mesh4j.benchmarks.report.Progress;

/**
 * The processes of one per-hop run, started in the order a deployment would (registry, server, sidecars, client),
 * and the commands that drive load through them. Closing it stops them in the reverse order.
 */
final class HopProcesses implements AutoCloseable {

    private static final Pattern SERVING = Pattern.compile("serving h2c=(\\d+) tls=(\\d+) mesh=(\\d+)(.*)$");
    private static final Pattern READY = Pattern.compile("^ready$");
    private static final Pattern RESULT = Pattern.compile("^result (.*)$");

    private final List<AutoCloseable> started = new ArrayList<>();
    private final Progress progress;
    private @Nullable RegistryProcess registry;
    private @Nullable ChildProcess server;
    private @Nullable HaproxySidecars sidecars;
    private @Nullable ChildProcess client;

    private HopProcesses(Progress progress) {
        this.progress = progress;
    }

    /**
     * Starts the processes that {@code paths} and {@code variants} need; on a failure, stops those already started.
     */
    static HopProcesses start(Path dir, List<HopPath> paths, List<StackVariant> variants, Progress progress) {
        final HopProcesses processes = new HopProcesses(progress);
        try {
            processes.startAll(dir, paths, variants);
            return processes;
        } catch (RuntimeException e) {
            processes.close();
            throw e;
        }
    }

    private void startAll(Path dir, List<HopPath> paths, List<StackVariant> variants) {
        final BenchPki.Issued pki = BenchPki.write(dir);
        progress.say("starting the registry");
        final RegistryProcess registry = RegistryProcess.start(dir, JvmFlags.DEFAULT);
        this.registry = registry;
        started.add(registry);
        final List<String> tls = List.of(
                "--registry", registry.uri().toString(),
                "--trust-bundle", registry.trustBundle().toString(),
                "--ca", pki.ca().toString());
        final List<String> variantKeys =
                variants.stream().map(StackVariant::key).toList();
        progress.say("starting the server process"
                + (variants.isEmpty() ? "" : " (" + serverSide(variants).size() + " servers with a layer removed)"));
        final List<String> serverArgs = new ArrayList<>(tls);
        serverArgs.addAll(List.of(
                "--join-token-file",
                registry.joinTokenFile(StackVariant.FULL_SERVICE, dir.resolve("echo.token"))
                        .toString(),
                "--cert",
                pki.serverCert().toString(),
                "--key",
                pki.serverKey().toString()));
        final boolean grpc = paths.stream().anyMatch(HopPath::isGrpc);
        final boolean tcp = paths.stream().anyMatch(HopPath::isTcp);
        if (grpc) {
            serverArgs.addAll(List.of(
                    "--grpc-token-file",
                    registry.joinTokenFile(ProtocolEchoServers.GRPC_SERVICE, dir.resolve("echo-grpc.token"))
                            .toString()));
        }
        if (tcp) {
            serverArgs.addAll(List.of(
                    "--tcp-token-file",
                    registry.joinTokenFile(ProtocolEchoServers.TCP_SERVICE, dir.resolve("echo-tcp.token"))
                            .toString()));
        }
        final List<StackVariant> serverVariants = serverSide(variants);
        if (!serverVariants.isEmpty()) {
            for (StackVariant variant : serverVariants) {
                registry.joinTokenFile(variant.service(), dir.resolve(variant.service() + ".token"));
            }
            serverArgs.addAll(List.of(
                    "--variants",
                    String.join(
                            ",", serverVariants.stream().map(StackVariant::key).toList()),
                    "--variant-tokens",
                    dir.toString()));
        }
        final ChildProcess server = ChildProcess.startJava(
                "server", JvmFlags.DEFAULT, HopServer.class.getName(), serverArgs, dir.resolve("server.log"));
        this.server = server;
        started.add(server);
        final Matcher ports = server.awaitLine(SERVING, Duration.ofSeconds(120));
        final int h2cPort = Integer.parseInt(ports.group(1));
        final Fields protocolPorts = Fields.parse(ports.group(4));
        if (paths.contains(HopPath.SIDECARS)) {
            progress.say("starting the HAProxy sidecars");
            final HaproxySidecars sidecars = HaproxySidecars.start(dir, pki, h2cPort);
            this.sidecars = sidecars;
            started.add(sidecars);
        }
        progress.say("starting the client process"
                + (variants.isEmpty()
                        ? ""
                        : " (" + (variants.size() - serverVariants.size()) + " clients with a layer removed)"));
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
        if (grpc) {
            clientArgs.addAll(List.of("--grpc-port", protocolPorts.get("grpc")));
        }
        if (tcp) {
            clientArgs.addAll(List.of("--tcp-port", protocolPorts.get("tcp")));
        }
        if (!variantKeys.isEmpty()) {
            clientArgs.addAll(List.of("--variants", String.join(",", variantKeys)));
        }
        final ChildProcess client = ChildProcess.startJava(
                "client", JvmFlags.DEFAULT, HopClient.class.getName(), clientArgs, dir.resolve("client.log"));
        this.client = client;
        started.add(() -> {
            client.send("quit");
            client.close();
        });
        client.awaitLine(READY, Duration.ofSeconds(120));
    }

    private static List<StackVariant> serverSide(List<StackVariant> variants) {
        return variants.stream()
                .filter(variant -> variant.side() == StackVariant.Side.SERVER)
                .toList();
    }

    ChildProcess client() {
        return running(client, "client");
    }

    ChildProcess server() {
        return running(server, "server");
    }

    /** Drives {@code target} with {@code concurrency} requests in flight; measures after {@code warmup}. */
    LoadResult throughput(HopTarget target, int concurrency, Duration warmup, Duration measure) {
        return ask(
                "throughput path=" + target.key() + " concurrency=" + concurrency + " warmupMs=" + warmup.toMillis()
                        + " measureMs=" + measure.toMillis(),
                warmup.plus(measure));
    }

    /** Drives {@code target} at {@code rps} requests per second; measures after {@code warmup}. */
    LoadResult rate(HopTarget target, int rps, Duration warmup, Duration measure) {
        return ask(
                "rate path=" + target.key() + " rps=" + rps + " warmupMs=" + warmup.toMillis() + " measureMs="
                        + measure.toMillis(),
                warmup.plus(measure));
    }

    private LoadResult ask(String command, Duration phase) {
        final Matcher result = client().ask(command, RESULT, phase.plus(Duration.ofSeconds(60)));
        return LoadResult.fromLine(result.group(1));
    }

    /** The processes a request of {@code path} passes through, by their role. */
    Map<String, Long> pidsOf(HopTarget path) {
        final Map<String, Long> pids = new LinkedHashMap<>();
        pids.put(PerHopReport.CLIENT, client().pid());
        pids.put(PerHopReport.SERVER, server().pid());
        if (path == HopPath.SIDECARS && sidecars != null) {
            pids.put(PerHopReport.CLIENT_SIDECAR, sidecars.clientSidecar().pid());
            pids.put(PerHopReport.SERVER_SIDECAR, sidecars.serverSidecar().pid());
        }
        return pids;
    }

    Map<String, PerHopResults.Memory> memory() {
        final Map<String, PerHopResults.Memory> memory = new LinkedHashMap<>();
        memory.put("client (load generator + every path's client)", memoryOf(client().pid()));
        memory.put("server (every path's server)", memoryOf(server().pid()));
        memory.put("registry", memoryOf(running(registry, "registry").pid()));
        if (sidecars != null) {
            memory.put(
                    "HAProxy client sidecar", memoryOf(sidecars.clientSidecar().pid()));
            memory.put(
                    "HAProxy server sidecar", memoryOf(sidecars.serverSidecar().pid()));
        }
        return memory;
    }

    private static <T> T running(@Nullable T process, String name) {
        if (process == null) {
            throw new IllegalStateException("the " + name + " process was not started");
        }
        return process;
    }

    private static PerHopResults.Memory memoryOf(long pid) {
        return new PerHopResults.Memory(ProcessStats.rssBytes(pid), ProcessStats.peakRssBytes(pid));
    }

    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                progress.say("could not stop " + started.get(i) + ": " + e);
            }
        }
        started.clear();
    }
}
