package io.mesh4j.benchmarks.hop;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Callable;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;

import io.mesh4j.benchmarks.load.Call;
import io.mesh4j.benchmarks.load.ClosedLoop;
import io.mesh4j.benchmarks.load.LoadResult;
import io.mesh4j.benchmarks.load.OpenLoop;
import io.mesh4j.benchmarks.process.Fields;
import io.mesh4j.client.MeshClient;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The client process of the per-hop benchmark: the load generator and a client of each path, all in one JVM, so
 * that every path is driven by the same code on the same threads. It prints {@code ready} once each path has
 * answered one request correctly, then runs the phases its standard input asks for:
 * <pre>
 * throughput path=c concurrency=64 warmupMs=2000 measureMs=5000
 * rate path=c rps=2000 warmupMs=2000 measureMs=10000
 * </pre>
 * answering each with one line, {@code result path=c ...} ({@link LoadResult#toLine()}).
 */
@Command(name = "hop-client", description = "The per-hop benchmark's client process.")
public final class HopClient implements Callable<Integer> {

    @Option(names = "--h2c-port", required = true)
    private int h2cPort;

    @Option(names = "--tls-port", required = true)
    private int tlsPort;

    @Option(names = "--sidecar-port", description = "The client sidecar's port; the path is left out without it.")
    private int sidecarPort;

    @Mixin
    private final HopCredentials credentials = new HopCredentials();

    public static void main(String[] args) {
        System.exit(new CommandLine(new HopClient()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        final ClientFactory rawTls = ClientFactory.builder()
                .tls(credentials.rawKeyPair())
                .tlsCustomizer(ssl -> ssl.trustManager(credentials.ca.toFile()))
                .build();
        final WorkloadIdentity identity = WorkloadIdentity.builder(credentials.registry, "loadgen")
                .joinTokenFile(credentials.joinTokenFile)
                .trustBundleFile(credentials.trustBundle)
                .build();
        identity.start().join();
        // Everything a user gets by default: mTLS, discovery, P2C peak-EWMA, the whole outbound stack.
        final MeshClient mesh =
                MeshClient.builder(credentials.registry).identity(identity).build();
        final Map<HopPath, WebClient> clients = new EnumMap<>(HopPath.class);
        clients.put(HopPath.H2C, WebClient.of("h2c://127.0.0.1:" + h2cPort));
        clients.put(
                HopPath.TLS,
                WebClient.builder("https://127.0.0.1:" + tlsPort)
                        .factory(rawTls)
                        .build());
        clients.put(HopPath.MESH, mesh.webClient("echo"));
        if (sidecarPort > 0) {
            clients.put(HopPath.SIDECARS, WebClient.of("h2c://127.0.0.1:" + sidecarPort));
        }
        awaitDiscovery(mesh);
        final Map<HopPath, Call> calls = new EnumMap<>(HopPath.class);
        clients.forEach((path, client) ->
                calls.put(path, () -> client.execute(JsonEcho.newRequest()).aggregate()));
        for (Map.Entry<HopPath, Call> call : calls.entrySet()) {
            checkEcho(call.getKey(), call.getValue().send().join());
        }
        System.out.println("ready");
        System.out.flush();

        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null && !"quit".equals(line.trim()); line = in.readLine()) {
            System.out.println(run(line, calls));
            System.out.flush();
        }
        mesh.close();
        identity.close();
        rawTls.close();
        return 0;
    }

    private static void awaitDiscovery(MeshClient mesh) throws InterruptedException {
        final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (mesh.endpoints(ServiceName.of("echo")).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the registry listed no instance of echo within 30 s");
            }
            Thread.sleep(50);
        }
    }

    private static void checkEcho(HopPath path, AggregatedHttpResponse res) {
        if (!res.status().isSuccess() || !Arrays.equals(res.content().array(), JsonEcho.BODY)) {
            throw new IllegalStateException(path.label() + " answered " + res.status() + ' ' + res.contentUtf8()
                    + " (expected: 200 and the request's body)");
        }
    }

    private static String run(String command, Map<HopPath, Call> calls) {
        final Fields fields = Fields.parse(command);
        final HopPath path = HopPath.ofLetter(fields.get("path"));
        final @Nullable Call call = calls.get(path);
        if (call == null) {
            throw new IllegalArgumentException(path.label() + " is not configured in this client");
        }
        final Duration warmup = Duration.ofMillis(fields.getLong("warmupMs"));
        final Duration measure = Duration.ofMillis(fields.getLong("measureMs"));
        final LoadResult result;
        if (command.startsWith("throughput")) {
            result = ClosedLoop.run(call, fields.getInt("concurrency"), warmup, measure);
        } else if (command.startsWith("rate")) {
            result = OpenLoop.run(call, fields.getInt("rps"), warmup, measure);
        } else {
            throw new IllegalArgumentException("unknown command: " + command);
        }
        return "result path=" + path.letter() + ' ' + result.toLine();
    }
}
