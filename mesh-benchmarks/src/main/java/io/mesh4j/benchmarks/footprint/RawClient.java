package io.mesh4j.benchmarks.footprint;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;

import io.mesh4j.benchmarks.hop.JdkKeys;
import io.mesh4j.benchmarks.hop.JsonEcho;
import io.mesh4j.benchmarks.load.Call;

/**
 * A client of the echo service as a user of raw Armeria writes it: a {@code WebClient} over mTLS to the server's
 * address, as the per-hop benchmark's raw mTLS path.
 */
final class RawClient implements StartedClient {

    private final ClientFactory factory;
    private final WebClient client;

    private RawClient(ClientFactory factory, WebClient client) {
        this.factory = factory;
        this.client = client;
    }

    static StartedClient start(Credentials credentials, int port) {
        final ClientFactory factory = ClientFactory.builder()
                .tls(JdkKeys.keyPair(credentials.key, credentials.cert))
                .tlsCustomizer(ssl -> ssl.trustManager(credentials.ca.toFile()))
                .build();
        return new RawClient(
                factory,
                WebClient.builder("https://127.0.0.1:" + port).factory(factory).build());
    }

    @Override
    public Call call() {
        return () -> client.execute(JsonEcho.newRequest()).aggregate();
    }

    @Override
    public void close() {
        factory.close();
    }
}
