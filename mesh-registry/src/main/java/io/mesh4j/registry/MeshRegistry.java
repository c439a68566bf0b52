package io.mesh4j.registry;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Ticker;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;

import io.mesh4j.core.internal.BossGroups;
import io.mesh4j.registry.api.RegistryApi;
import io.mesh4j.registry.instances.InstanceTable;
import io.mesh4j.registry.store.FileRegistryStore;
import io.mesh4j.registry.store.StoredRegistry;

/**
 * The mesh4j registry, embeddable: the instance half of the registry contract on one HTTP port, kept in a data
 * directory that survives restarts.
 *
 * <pre>{@code
 * try (MeshRegistry registry = MeshRegistry.builder().host("127.0.0.1").port(0).dataDir(dir).build()) {
 *     registry.start();
 *     RegistryClient client = RegistryClient.of(registry.uri());
 *     ...
 * }
 * }</pre>
 */
public final class MeshRegistry implements AutoCloseable {

    public static final int DEFAULT_PORT = 7070;
    public static final String DEFAULT_HOST = "0.0.0.0";

    private static final Logger logger = LoggerFactory.getLogger(MeshRegistry.class);

    private final String host;
    private final int port;
    private final Path dataDir;
    private final Ticker ticker;
    private final Duration sweepInterval;
    private final @Nullable Duration requestTimeout;

    private @Nullable FileRegistryStore store;
    private @Nullable InstanceTable table;
    private @Nullable Server server;
    private boolean started;
    private boolean serving;
    private boolean closed;

    private MeshRegistry(Builder builder, Path dataDir) {
        host = builder.host;
        port = builder.port;
        this.dataDir = dataDir;
        ticker = builder.ticker;
        sweepInterval = builder.sweepInterval;
        requestTimeout = builder.requestTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Opens the data directory and starts serving; returns once the port is bound.
     *
     * @throws RegistryStartException saying what to change: the data directory is unusable, locked by another
     *                                registry or damaged, or the port is taken
     */
    public synchronized MeshRegistry start() {
        if (started) {
            throw new IllegalStateException("the registry was started already (expected: one start() per registry)");
        }
        started = true;
        final FileRegistryStore store;
        final InstanceTable table;
        try {
            store = FileRegistryStore.open(dataDir);
            this.store = store;
            table = InstanceTable.open(store, ticker, sweepInterval);
            this.table = table;
        } catch (IOException e) {
            close();
            throw new RegistryStartException(e.getMessage() != null ? e.getMessage() : e.toString(), e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        try {
            server = newServer(table);
            server.start().join();
            serving = true;
        } catch (RuntimeException e) {
            close();
            final Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            throw new RegistryStartException(bindFailure(cause), cause);
        }
        final StoredRegistry loaded = store.load();
        logger.info("listening on {}:{} with {} instances of {} services at index {} (data: {})", host, port(),
                    loaded.instanceCount(), loaded.services().size(), loaded.index(), store.dir());
        return this;
    }

    private Server newServer(InstanceTable table) {
        final ServerBuilder builder =
                Server.builder()
                      .http(new InetSocketAddress(host, port))
                      // A stop needs no grace here: close() has answered the held watches and finished the
                      // accepted changes first, and a connection still closes only after its answer in flight.
                      // Armeria's defaults would add 1 s of HTTP/2 drain and 2 s of boss-loop quiet period to
                      // every stop, in every test that starts a registry.
                      .gracefulShutdownTimeout(Duration.ZERO, Duration.ZERO)
                      .connectionDrainDuration(Duration.ZERO)
                      .bossGroupFactory(BossGroups::newBossGroup);
        if (requestTimeout != null) {
            builder.requestTimeout(requestTimeout);
        }
        RegistryApi.addTo(builder, table);
        return builder.build();
    }

    private String bindFailure(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof BindException || String.valueOf(t.getMessage()).contains("in use")) {
                return "port " + port + " on " + host + " is in use; stop what holds it, or choose another port "
                       + "(0 picks a free one)";
            }
        }
        return "cannot listen on " + host + ':' + port + " (" + cause + "); check the host is an address of this "
               + "machine, such as 0.0.0.0 or 127.0.0.1";
    }

    /** The port the registry listens on; with {@code port(0)}, the one the system chose. */
    public int port() {
        return runningServer().activeLocalPort();
    }

    /**
     * Where to reach the registry: {@code http://127.0.0.1:PORT} when it listens on every address, else
     * {@code http://HOST:PORT}.
     */
    public URI uri() {
        return URI.create("http://" + reachableHost() + ':' + port());
    }

    private String reachableHost() {
        final InetSocketAddress address = new InetSocketAddress(host, 0);
        final @Nullable InetAddress resolved = address.getAddress();
        if (resolved != null && resolved.isAnyLocalAddress()) {
            return "127.0.0.1";
        }
        return host.indexOf(':') >= 0 ? '[' + host + ']' : host;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Expires now every instance whose TTL ran out, rather than at the next sweep; for tests. */
    CompletableFuture<Integer> sweepNow() {
        return startedTable().sweep();
    }

    /** How many watches are held now; for tests that must know a watch waits before they change something. */
    int heldWatches() {
        return startedTable().heldWatches();
    }

    private synchronized InstanceTable startedTable() {
        if (table == null) {
            throw new IllegalStateException("the registry is not started");
        }
        return table;
    }

    private synchronized Server runningServer() {
        if (server == null || closed) {
            throw new IllegalStateException("the registry is not serving (expected: start() before port() or uri())");
        }
        return server;
    }

    /**
     * Stops: held watches are answered with what they have, changes already accepted are finished, then the port
     * and the data directory are released. Safe to call more than once.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (table != null) {
            table.close();
        }
        if (server != null) {
            server.stop().join();
        }
        if (store != null) {
            try {
                store.close();
            } catch (IOException e) {
                logger.warn("{}: cannot close the store cleanly", store, e);
            }
        }
        if (serving) {
            logger.info("stopped (data: {})", dataDir);
        }
    }

    @Override
    public String toString() {
        return "MeshRegistry(" + host + ':' + port + ", " + dataDir + ')';
    }

    /** Settings of a registry; {@link #dataDir(Path)} is required. */
    public static final class Builder {

        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private @Nullable Path dataDir;
        private Ticker ticker = Ticker.systemTicker();
        private Duration sweepInterval = InstanceTable.DEFAULT_SWEEP_INTERVAL;
        private @Nullable Duration requestTimeout;

        private Builder() {}

        /** The address to listen on; {@value #DEFAULT_HOST} (every address) unless set. */
        public Builder host(String host) {
            requireNonNull(host, "host");
            if (host.isBlank()) {
                throw new IllegalArgumentException("host: '' (expected: an address such as 0.0.0.0 or 127.0.0.1)");
            }
            this.host = host;
            return this;
        }

        /** The port to listen on; 0 lets the system choose. {@value #DEFAULT_PORT} unless set. */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException(String.format("port: %s (expected: 0..65535)", port));
            }
            this.port = port;
            return this;
        }

        /** Where the registry keeps its log, snapshot and lock; created if missing. Required. */
        public Builder dataDir(Path dataDir) {
            this.dataDir = requireNonNull(dataDir, "dataDir");
            return this;
        }

        /** The clock that TTLs are measured with, in nanoseconds; the system's unless set (tests set their own). */
        public Builder ticker(Ticker ticker) {
            this.ticker = requireNonNull(ticker, "ticker");
            return this;
        }

        /** How often to look for instances whose TTL ran out; 100 ms unless set. */
        public Builder sweepInterval(Duration sweepInterval) {
            requireNonNull(sweepInterval, "sweepInterval");
            if (sweepInterval.isNegative() || sweepInterval.isZero()) {
                throw new IllegalArgumentException("sweepInterval: " + sweepInterval + " (expected: > 0)");
            }
            this.sweepInterval = sweepInterval;
            return this;
        }

        /** Armeria's timeout for requests other than held watches; its default unless set. For tests. */
        Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = requireNonNull(requestTimeout, "requestTimeout");
            return this;
        }

        public MeshRegistry build() {
            if (dataDir == null) {
                throw new IllegalStateException("dataDir: not set (expected: the directory where the registry "
                                                + "keeps its data)");
            }
            return new MeshRegistry(this, dataDir.toAbsolutePath().normalize());
        }
    }
}
