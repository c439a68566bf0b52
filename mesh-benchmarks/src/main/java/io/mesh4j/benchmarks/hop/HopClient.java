package io.mesh4j.benchmarks.hop;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import javax.net.ssl.SSLException;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.TlsKeyPair;

import io.mesh4j.benchmarks.hop.echo.EchoGrpc;
import io.mesh4j.benchmarks.load.Call;
import io.mesh4j.benchmarks.load.ClosedLoop;
import io.mesh4j.benchmarks.load.LoadResult;
import io.mesh4j.benchmarks.load.OpenLoop;
import io.mesh4j.benchmarks.process.AllocatedBytes;
import io.mesh4j.benchmarks.process.Fields;
import io.mesh4j.client.ClientStacks;
import io.mesh4j.client.MeshClient;
import io.mesh4j.client.TcpForward;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The client process of the per-hop benchmark: the load generator and a client of each path, all in one JVM, so
 * that every path is driven by the same code on the same threads. For the layer prices it also has a client of
 * each {@link StackVariant}: a mesh client of its own, with the default stack minus one role, for a client-side
 * variant; the full mesh client's client of the variant's service for a server-side one. Given the raw servers'
 * ports, it has clients of the gRPC paths ({@link GrpcEcho}) and the TCP paths ({@link TcpEchoClient}) too. It
 * prints {@code ready} once each path has answered one request correctly, then runs the phases its standard input
 * asks for, naming a path by its {@link HopTarget#key()}:
 * <pre>
 * throughput path=c concurrency=64 warmupMs=2000 measureMs=5000
 * rate path=c-client-RETRY rps=2000 warmupMs=2000 measureMs=10000
 * allocated
 * </pre>
 * answering each with one line, {@code result path=c ...} ({@link LoadResult#toLine()}), or
 * {@code allocated bytes=...} ({@link AllocatedBytes}).
 */
@Command(name = "hop-client", description = "The per-hop benchmark's client process.")
public final class HopClient implements Callable<Integer> {

    @Option(names = "--h2c-port", required = true)
    private int h2cPort;

    @Option(names = "--tls-port", required = true)
    private int tlsPort;

    @Option(names = "--sidecar-port", description = "The client sidecar's port; the path is left out without it.")
    private int sidecarPort;

    @Option(
            names = "--grpc-port",
            description = "The raw gRPC server's port; the gRPC paths (e, f) are left out without it.")
    private int grpcPort;

    @Option(
            names = "--tcp-port",
            description = "The raw TCP echo server's port; the TCP paths (g, h) are left out without it.")
    private int tcpPort;

    @Option(
            names = "--variants",
            split = ",",
            description = "Keys of the stack variants to have a client of, besides the four paths.")
    private List<String> variants = new ArrayList<>();

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
        final Map<HopTarget, WebClient> clients = new LinkedHashMap<>();
        clients.put(HopPath.H2C, WebClient.of("h2c://127.0.0.1:" + h2cPort));
        clients.put(
                HopPath.TLS,
                WebClient.builder("https://127.0.0.1:" + tlsPort)
                        .factory(rawTls)
                        .build());
        clients.put(HopPath.MESH, mesh.webClient(StackVariant.FULL_SERVICE));
        if (sidecarPort > 0) {
            clients.put(HopPath.SIDECARS, WebClient.of("h2c://127.0.0.1:" + sidecarPort));
        }
        final List<MeshClient> variantClients = new ArrayList<>();
        final Set<String> services = new LinkedHashSet<>(List.of(StackVariant.FULL_SERVICE));
        for (String key : variants) {
            final StackVariant variant = StackVariant.ofKey(key);
            services.add(variant.service());
            if (variant.side() == StackVariant.Side.CLIENT) {
                // The public API only: the default stack with one role taken out, everything else as in (c).
                final MeshClient variantClient = MeshClient.builder(credentials.registry)
                        .identity(identity)
                        .stack(ClientStacks.defaults().remove(variant.role()))
                        .build();
                variantClients.add(variantClient);
                clients.put(variant, variantClient.webClient(variant.service()));
            } else {
                clients.put(variant, mesh.webClient(variant.service()));
            }
        }
        final Map<HopTarget, Call> protocolCalls = new LinkedHashMap<>();
        final List<AutoCloseable> protocolClients = new ArrayList<>();
        if (grpcPort > 0) {
            services.add(ProtocolEchoServers.GRPC_SERVICE);
            // Armeria's gRPC client with its defaults, as a raw Armeria application would call.
            protocolCalls.put(
                    HopPath.GRPC_RAW,
                    GrpcEcho.call(GrpcClients.builder("https://127.0.0.1:" + grpcPort)
                            .factory(rawTls)
                            .build(EchoGrpc.EchoStub.class)));
            protocolCalls.put(
                    HopPath.GRPC_MESH,
                    GrpcEcho.call(mesh.grpcClient(ProtocolEchoServers.GRPC_SERVICE, EchoGrpc.EchoStub.class)));
        }
        if (tcpPort > 0) {
            services.add(ProtocolEchoServers.TCP_SERVICE);
            final TcpEchoClient raw = new TcpEchoClient(new InetSocketAddress("127.0.0.1", tcpPort), rawTcpTls());
            final TcpForward forward = mesh.tcpForward(ProtocolEchoServers.TCP_SERVICE);
            // The same loop in plain to the forward's loopback port, which balances and wraps mTLS.
            final TcpEchoClient meshed = new TcpEchoClient(forward.address(), null);
            protocolClients.addAll(List.of(raw, meshed, forward));
            protocolCalls.put(HopPath.TCP_RAW, raw);
            protocolCalls.put(HopPath.TCP_MESH, meshed);
        }
        for (String service : services) {
            awaitDiscovery(mesh, service);
        }
        final Map<String, Call> calls = new LinkedHashMap<>();
        clients.forEach((target, client) -> {
            final Call call = () -> client.execute(JsonEcho.newRequest()).aggregate();
            checkEcho(target, call.send().join());
            calls.put(target.key(), call);
        });
        protocolCalls.forEach((target, call) -> {
            checkEcho(target, call.send().join());
            calls.put(target.key(), call);
        });
        System.out.println("ready");
        System.out.flush();

        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null && !"quit".equals(line.trim()); line = in.readLine()) {
            System.out.println(run(line, calls));
            System.out.flush();
        }
        for (AutoCloseable client : protocolClients) {
            client.close();
        }
        variantClients.forEach(MeshClient::close);
        mesh.close();
        identity.close();
        rawTls.close();
        return 0;
    }

    /** The raw TCP path's mTLS: the raw certificate, and the JDK's TLS as the mesh's TCP forward has it. */
    private SslContext rawTcpTls() throws SSLException {
        final TlsKeyPair keyPair = credentials.rawKeyPair();
        return SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .keyManager(keyPair.privateKey(), keyPair.certificateChain())
                .trustManager(credentials.ca.toFile())
                .build();
    }

    private static void awaitDiscovery(MeshClient mesh, String service) throws InterruptedException {
        final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (mesh.endpoints(ServiceName.of(service)).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the registry listed no instance of " + service + " within 30 s");
            }
            Thread.sleep(50);
        }
    }

    private static void checkEcho(HopTarget path, AggregatedHttpResponse res) {
        if (!res.status().isSuccess() || !Arrays.equals(res.content().array(), JsonEcho.BODY)) {
            throw new IllegalStateException(path.label() + " answered " + res.status() + ' ' + res.contentUtf8()
                    + " (expected: 200 and the request's body)");
        }
    }

    private static String run(String command, Map<String, Call> calls) {
        if (AllocatedBytes.COMMAND.equals(command.trim())) {
            return AllocatedBytes.answer();
        }
        final Fields fields = Fields.parse(command);
        final String path = fields.get("path");
        final @Nullable Call call = calls.get(path);
        if (call == null) {
            throw new IllegalArgumentException("path " + path + " is not configured in this client");
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
        return "result path=" + path + ' ' + result.toLine();
    }
}
