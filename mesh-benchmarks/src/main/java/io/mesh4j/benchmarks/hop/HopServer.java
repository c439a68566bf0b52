package io.mesh4j.benchmarks.hop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;

import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.Server;

import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.BossGroups;
import io.mesh4j.server.MeshServer;
import io.netty.handler.ssl.ClientAuth;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The server process of the per-hop benchmark: the same {@link JsonEcho} three times, as raw Armeria over h2c
 * (which the server sidecar also forwards to), as raw Armeria over mTLS, and as a mesh4j server with its
 * defaults. It prints {@code serving h2c=PORT tls=PORT mesh=PORT} once all three serve and the mesh server is
 * registered, and stops when its standard input closes.
 */
@Command(name = "hop-server", description = "The per-hop benchmark's server process.")
public final class HopServer implements Callable<Integer> {

    @Mixin
    private final HopCredentials credentials = new HopCredentials();

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
        h2c.start().join();
        tls.start().join();
        mesh.start().join();
        System.out.println("serving h2c=" + h2c.activeLocalPort(SessionProtocol.HTTP) + " tls="
                + tls.activeLocalPort(SessionProtocol.HTTPS) + " mesh=" + mesh.port());
        System.out.flush();
        awaitEndOfInput();
        mesh.stop().join();
        identity.close();
        tls.stop().join();
        h2c.stop().join();
        return 0;
    }

    /** Serves until the benchmark closes this process's standard input (or the process is stopped). */
    static void awaitEndOfInput() throws IOException {
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (in.readLine() != null) {
            // Nothing to do: the server only serves.
        }
    }
}
