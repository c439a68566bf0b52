package io.mesh4j.benchmarks.hop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.Server;

import io.mesh4j.benchmarks.process.AllocatedBytes;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.BossGroups;
import io.mesh4j.server.MeshServer;
import io.mesh4j.server.ServerStacks;
import io.netty.handler.ssl.ClientAuth;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The server process of the per-hop benchmark: the same {@link JsonEcho} three times, as raw Armeria over h2c
 * (which the server sidecar also forwards to), as raw Armeria over mTLS, and as a mesh4j server with its
 * defaults; when asked for, the gRPC and TCP paths' servers too ({@link ProtocolEchoServers}, whose ports follow on
 * the same line). For the layer prices it also serves one mesh server per server-side {@link StackVariant}, each the
 * default stack minus one role, as a service of its own. It prints {@code serving h2c=PORT tls=PORT mesh=PORT} once
 * all of them serve and the mesh servers are registered, answers {@link AllocatedBytes#COMMAND} on its standard
 * input, and stops when its standard input closes.
 */
@Command(name = "hop-server", description = "The per-hop benchmark's server process.")
public final class HopServer implements Callable<Integer> {

    @Mixin
    private final HopCredentials credentials = new HopCredentials();

    @Option(
            names = "--variants",
            split = ",",
            description = "Keys of the server-side stack variants to serve besides the full mesh server.")
    private List<String> variants = new ArrayList<>();

    @Option(
            names = "--variant-tokens",
            description = "The directory of the variants' join tokens, one SERVICE.token for each.")
    private @Nullable Path variantTokens;

    @Option(
            names = "--grpc-token-file",
            description = "Serve the gRPC paths, the mesh's as " + ProtocolEchoServers.GRPC_SERVICE
                    + " with this join token.")
    private @Nullable Path grpcTokenFile;

    @Option(
            names = "--tcp-token-file",
            description =
                    "Serve the TCP paths, the mesh's as " + ProtocolEchoServers.TCP_SERVICE + " with this join token.")
    private @Nullable Path tcpTokenFile;

    public static void main(String[] args) {
        System.exit(new CommandLine(new HopServer()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        final JsonEcho echo = new JsonEcho();
        final Server h2c = Server.builder()
                .http(0)
                .service(JsonEcho.PATH, echo)
                .bossGroupFactory(BossGroups::newBossGroup)
                .build();
        final Server tls = Server.builder()
                .https(0)
                .tls(credentials.rawKeyPair())
                .tlsCustomizer(ssl -> ssl.clientAuth(ClientAuth.REQUIRE).trustManager(credentials.ca.toFile()))
                .service(JsonEcho.PATH, echo)
                .bossGroupFactory(BossGroups::newBossGroup)
                .build();
        final WorkloadIdentity identity = WorkloadIdentity.builder(credentials.registry, "echo")
                .joinTokenFile(credentials.joinTokenFile)
                .trustBundleFile(credentials.trustBundle)
                .build();
        // Everything a user gets by default: mTLS, the whole inbound stack, the shared telemetry.
        final MeshServer mesh = MeshServer.builder("echo", credentials.registry)
                .identity(identity)
                .instanceId("echo-1")
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .service(JsonEcho.PATH, echo)
                .build();
        final List<MeshServer> variantServers = new ArrayList<>();
        final List<WorkloadIdentity> variantIdentities = new ArrayList<>();
        for (String key : variants) {
            final StackVariant variant = StackVariant.ofKey(key);
            final WorkloadIdentity variantIdentity = WorkloadIdentity.builder(credentials.registry, variant.service())
                    .joinTokenFile(tokenDir().resolve(variant.service() + ".token"))
                    .trustBundleFile(credentials.trustBundle)
                    .build();
            variantIdentities.add(variantIdentity);
            // The public API only: the default stack with one role taken out, everything else as in (c).
            variantServers.add(MeshServer.builder(variant.service(), credentials.registry)
                    .identity(variantIdentity)
                    .instanceId(variant.service() + "-1")
                    .advertisedHost("127.0.0.1")
                    .drainPeriod(Duration.ZERO)
                    .stack(ServerStacks.defaults().remove(variant.role()))
                    .service(JsonEcho.PATH, echo)
                    .build());
        }
        h2c.start().join();
        tls.start().join();
        mesh.start().join();
        variantServers.forEach(server -> server.start().join());
        final ProtocolEchoServers protocols = ProtocolEchoServers.start(credentials, grpcTokenFile, tcpTokenFile);
        System.out.println("serving h2c=" + h2c.activeLocalPort(SessionProtocol.HTTP) + " tls="
                + tls.activeLocalPort(SessionProtocol.HTTPS) + " mesh=" + mesh.port() + protocols.ports());
        System.out.flush();
        answerUntilEndOfInput();
        protocols.close();
        variantServers.forEach(server -> server.stop().join());
        variantIdentities.forEach(WorkloadIdentity::close);
        mesh.stop().join();
        identity.close();
        tls.stop().join();
        h2c.stop().join();
        return 0;
    }

    private Path tokenDir() {
        if (variantTokens == null) {
            throw new IllegalArgumentException(
                    "--variants needs --variant-tokens (expected: the join tokens' directory)");
        }
        return variantTokens;
    }

    /**
     * Serves until the benchmark closes this process's standard input (or the process is stopped), answering its
     * questions meanwhile: the server's work is done on Armeria's threads, not this one.
     */
    private static void answerUntilEndOfInput() throws IOException {
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (AllocatedBytes.COMMAND.equals(line.trim())) {
                System.out.println(AllocatedBytes.answer());
                System.out.flush();
            }
        }
    }
}
