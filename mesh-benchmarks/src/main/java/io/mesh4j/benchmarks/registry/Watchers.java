package io.mesh4j.benchmarks.registry;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpHeaderNames;

/**
 * Many watchers in one process, each on a connection of its own, as that many workloads would be. HTTP/1.1 gives
 * each watch its own TLS connection, and the connections are spread over every event loop of this process, so that
 * no single thread reads them all; with HTTP/2 the watches share a connection per event loop instead.
 */
final class Watchers implements AutoCloseable {

    private final ClientFactory factory;
    private final List<Watcher> watchers = new ArrayList<>();

    private Watchers(ClientFactory factory) {
        this.factory = factory;
    }

    /**
     * Starts {@code count} watchers of {@code service}, authenticated with the admin token, the registry verified
     * with its trust bundle; incremental ones ask for what changed only ({@code changes=true}).
     */
    static Watchers start(
            URI registry,
            Path trustBundle,
            String adminToken,
            String service,
            int count,
            boolean incremental,
            Watcher.Mode mode,
            boolean http2) {
        final ClientFactory factory = ClientFactory.builder()
                .tlsCustomizer(tls -> tls.trustManager(trustBundle.toFile()))
                .maxNumEventLoopsPerEndpoint(Runtime.getRuntime().availableProcessors() * 2)
                .idleTimeout(Duration.ZERO)
                .build();
        // HTTP/1.1: one TLS connection per watcher, since held calls cannot share one. HTTP/2: the watchers share the
        // factory's connections (one per event loop), as the watches of one mesh client share its one connection.
        final WebClient client = WebClient.builder((http2 ? "h2://" : "h1://") + registry.getAuthority())
                .factory(factory)
                // A stream stays open as long as the run: no timeout and no length limit on it.
                .responseTimeout(mode == Watcher.Mode.stream ? Duration.ZERO : Watcher.WAIT.plusSeconds(15))
                .maxResponseLength(0)
                .addHeader(HttpHeaderNames.AUTHORIZATION, "Bearer " + adminToken)
                .build();
        final Watchers watchers = new Watchers(factory);
        for (int i = 0; i < count; i++) {
            final Watcher watcher = new Watcher(client, service, incremental, mode);
            watchers.watchers.add(watcher);
            watcher.start();
        }
        return watchers;
    }

    int size() {
        return watchers.size();
    }

    /** Whether every watcher has had an answer at or past {@code index}. */
    boolean allAt(long index) {
        return watchers.stream().allMatch(watcher -> watcher.lastIndex() >= index);
    }

    /** Every watcher waits from now for an answer at or past {@code index}. */
    void expect(long index) {
        watchers.forEach(watcher -> watcher.expect(index));
    }

    /** When each watcher got the answer it waits for; 0 for those that have not yet. */
    long[] seenAt() {
        return watchers.stream().mapToLong(Watcher::seenAt).toArray();
    }

    long answers() {
        return watchers.stream().mapToLong(Watcher::answers).sum();
    }

    long bodyBytes() {
        return watchers.stream().mapToLong(Watcher::bodyBytes).sum();
    }

    long failures() {
        return watchers.stream().mapToLong(Watcher::failures).sum();
    }

    @Override
    public void close() {
        watchers.forEach(Watcher::close);
        factory.close();
    }
}
