package io.mesh4j.benchmarks.hop;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLException;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.grpc.GrpcService;

import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.BossGroups;
import io.mesh4j.server.MeshServer;
import io.mesh4j.server.MeshServerBuilder;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

/**
 * The server side of the gRPC and TCP paths, made only when a run asks for them so that an HTTP-only run's server
 * process is what it always was: for gRPC, {@link GrpcEcho} on a raw Armeria server over mTLS (e) and on a mesh4j
 * server with its defaults (f); for TCP, a {@link TcpEchoServer} over mTLS (g), and a plain one behind a mesh4j TCP
 * service (h). The mesh servers are services of their own, each with its identity, so that the HTTP mesh server of
 * (c) serves exactly what it did.
 */
final class ProtocolEchoServers implements AutoCloseable {

    /** The mesh service of the gRPC path (f). */
    static final String GRPC_SERVICE = "echo-grpc";
    /** The mesh service of the TCP path (h). */
    static final String TCP_SERVICE = "echo-tcp";

    private final List<AutoCloseable> started = new ArrayList<>();
    private final StringBuilder ports = new StringBuilder();

    /**
     * Starts the gRPC pair when {@code grpcToken} is given, the TCP pair when {@code tcpToken} is; each token is the
     * join token file of that pair's mesh service.
     */
    static ProtocolEchoServers start(HopCredentials credentials, @Nullable Path grpcToken, @Nullable Path tcpToken)
            throws SSLException {
        final ProtocolEchoServers servers = new ProtocolEchoServers();
        try {
            if (grpcToken != null) {
                servers.startGrpc(credentials, grpcToken);
            }
            if (tcpToken != null) {
                servers.startTcp(credentials, tcpToken);
            }
            return servers;
        } catch (RuntimeException | SSLException e) {
            servers.close();
            throw e;
        }
    }

    private void startGrpc(HopCredentials credentials, Path token) {
        // Armeria's GrpcService with its defaults, as a raw Armeria application would serve it.
        final Server raw = Server.builder()
                .https(0)
                .tls(credentials.rawKeyPair())
                .tlsCustomizer(ssl -> ssl.clientAuth(ClientAuth.REQUIRE).trustManager(credentials.ca.toFile()))
                .service(GrpcService.builder().addService(new GrpcEcho()).build())
                .bossGroupFactory(BossGroups::newBossGroup)
                .build();
        raw.start().join();
        started.add(() -> raw.stop().join());
        final MeshServer mesh =
                meshServer(credentials, GRPC_SERVICE, token, builder -> builder.grpcService(new GrpcEcho()));
        ports.append(" grpc=").append(raw.activeLocalPort(SessionProtocol.HTTPS));
        ports.append(" grpcMesh=").append(mesh.port());
    }

    private void startTcp(HopCredentials credentials, Path token) throws SSLException {
        final TlsKeyPair keyPair = credentials.rawKeyPair();
        // The JDK's TLS, as the mesh's TCP listener and forward use (IdentitySslContexts.PROVIDER), so that both
        // TCP paths do the same cryptography and the ratio prices what is around it.
        final SslContext tls = SslContextBuilder.forServer(keyPair.privateKey(), keyPair.certificateChain())
                .sslProvider(SslProvider.JDK)
                .clientAuth(ClientAuth.REQUIRE)
                .trustManager(credentials.ca.toFile())
                .build();
        final TcpEchoServer raw = TcpEchoServer.start(tls);
        started.add(raw);
        final TcpEchoServer backend = TcpEchoServer.start(null);
        started.add(backend);
        final MeshServer mesh = meshServer(credentials, TCP_SERVICE, token, builder -> builder.tcp(backend.address()));
        ports.append(" tcp=").append(raw.port());
        ports.append(" tcpMesh=").append(mesh.port());
    }

    /** A mesh server of {@code service} with every default on, started and registered. */
    private MeshServer meshServer(
            HopCredentials credentials, String service, Path token, UnaryOperator<MeshServerBuilder> serve) {
        final WorkloadIdentity identity = WorkloadIdentity.builder(credentials.registry, service)
                .joinTokenFile(token)
                .trustBundleFile(credentials.trustBundle)
                .build();
        started.add(identity::close);
        final MeshServer server = serve.apply(MeshServer.builder(service, credentials.registry)
                        .identity(identity)
                        .instanceId(service + "-1")
                        .advertisedHost("127.0.0.1")
                        .drainPeriod(Duration.ZERO))
                .build();
        server.start().join();
        started.add(() -> server.stop().join());
        return server;
    }

    /** The raw servers' ports and the mesh servers', {@code " grpc=P grpcMesh=P tcp=P tcpMesh=P"}, or nothing. */
    String ports() {
        return ports.toString();
    }

    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                // Stopping at the end of a run: what failed to stop goes with the process.
            }
        }
        started.clear();
    }
}
