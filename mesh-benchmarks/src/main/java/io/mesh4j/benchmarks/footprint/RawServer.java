package io.mesh4j.benchmarks.footprint;

import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.Server;

import io.mesh4j.benchmarks.hop.JdkKeys;
import io.mesh4j.benchmarks.hop.JsonEcho;
import io.netty.handler.ssl.ClientAuth;

/**
 * The echo service as a user of raw Armeria writes it: one server over mTLS, as the per-hop benchmark's raw mTLS
 * path, with Armeria's defaults for everything else.
 */
final class RawServer implements StartedServer {

    private final Server server;

    private RawServer(Server server) {
        this.server = server;
    }

    static StartedServer start(Credentials credentials) {
        final Server server = Server.builder()
                .https(0)
                .tls(JdkKeys.keyPair(credentials.key, credentials.cert))
                .tlsCustomizer(ssl -> ssl.clientAuth(ClientAuth.REQUIRE).trustManager(credentials.ca.toFile()))
                .service(JsonEcho.PATH, new JsonEcho())
                .build();
        server.start().join();
        return new RawServer(server);
    }

    @Override
    public int port() {
        return server.activeLocalPort(SessionProtocol.HTTPS);
    }

    @Override
    public void close() {
        server.stop().join();
    }
}
