package io.mesh4j.benchmarks.footprint;

import java.time.Duration;

import io.mesh4j.benchmarks.hop.JsonEcho;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.server.MeshServer;

/**
 * The echo service as a mesh4j user writes it, with everything a user gets by default: an identity from the
 * registry's CA, mTLS, the whole inbound stack, registration and heartbeats.
 */
final class MeshEchoServer implements StartedServer {

    private final MeshServer server;
    private final WorkloadIdentity identity;

    private MeshEchoServer(MeshServer server, WorkloadIdentity identity) {
        this.server = server;
        this.identity = identity;
    }

    static StartedServer start(Credentials credentials, String instanceId) {
        final WorkloadIdentity identity = WorkloadIdentity.builder(credentials.registry, FootprintServer.SERVICE)
                .joinTokenFile(credentials.joinTokenFile)
                .trustBundleFile(credentials.trustBundle)
                .build();
        final MeshServer server = MeshServer.builder(FootprintServer.SERVICE, credentials.registry)
                .identity(identity)
                .instanceId(instanceId)
                .advertisedHost("127.0.0.1")
                // Stopping is not measured; no reason to wait for callers that are gone.
                .drainPeriod(Duration.ZERO)
                .service(JsonEcho.PATH, new JsonEcho())
                .build();
        server.start().join();
        return new MeshEchoServer(server, identity);
    }

    @Override
    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.stop().join();
        identity.close();
    }
}
