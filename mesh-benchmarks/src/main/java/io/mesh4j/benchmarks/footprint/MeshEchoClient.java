package io.mesh4j.benchmarks.footprint;

import com.linecorp.armeria.client.WebClient;

import io.mesh4j.benchmarks.hop.JsonEcho;
import io.mesh4j.benchmarks.load.Call;
import io.mesh4j.client.MeshClient;
import io.mesh4j.core.identity.WorkloadIdentity;

/**
 * A client of the echo service as a mesh4j user writes it: a {@code MeshClient} with its defaults (identity from
 * the registry's CA, discovery, P2C peak-EWMA, the whole outbound stack), calling the service by name.
 */
final class MeshEchoClient implements StartedClient {

    private final MeshClient mesh;
    private final WorkloadIdentity identity;
    private final WebClient client;

    private MeshEchoClient(MeshClient mesh, WorkloadIdentity identity) {
        this.mesh = mesh;
        this.identity = identity;
        client = mesh.webClient(FootprintServer.SERVICE);
    }

    static StartedClient start(Credentials credentials) {
        final WorkloadIdentity identity = WorkloadIdentity.builder(credentials.registry, FootprintClient.SERVICE)
                .joinTokenFile(credentials.joinTokenFile)
                .trustBundleFile(credentials.trustBundle)
                .build();
        identity.start().join();
        return new MeshEchoClient(
                MeshClient.builder(credentials.registry).identity(identity).build(), identity);
    }

    @Override
    public Call call() {
        return () -> client.execute(JsonEcho.newRequest()).aggregate();
    }

    @Override
    public void close() {
        mesh.close();
        identity.close();
    }
}
