package io.mesh4j.registry.internal.store.etcd;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.mesh4j.registry.internal.store.StoreUnavailableException;

/**
 * One replica's connection to the etcd cluster, shared by the instances, the documents and the join tokens: the
 * jetcd client, the key names under {@code mesh4j/}, and whether etcd answers now.
 *
 * <p>A probe reads one key every half second. Once {@value #PROBES_TO_REFUSE} in a row have failed, and until one
 * answers, the replica is <em>stale</em>: reads and watches are answered from memory and flagged ({@code
 * X-Mesh-Stale: true}), and changes are refused at once with a 503 rather than left to wait on a cluster that is not
 * there. One failed probe alone changes nothing: an etcd leader election that the writes and keep-alives ride through
 * can time out the one read in flight, and refusing changes for that would turn a pause into errors. A write that
 * fails still answers 503 at once, whatever the probes say.
 */
public final class EtcdConnection implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(EtcdConnection.class);

    /** Every key the registry writes starts with this, so that one etcd cluster can hold other data too. */
    static final String ROOT = "mesh4j/";

    /** How long a write may wait for etcd before it is answered 503: a quorum answers in milliseconds. */
    static final Duration WRITE_TIMEOUT = Duration.ofSeconds(5);

    private static final Duration PROBE_INTERVAL = Duration.ofMillis(500);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

    /**
     * How many probes in a row must fail before the replica refuses changes. With the interval and the timeout, etcd
     * lost just after a probe answered is reported at most {@link #WORST_CASE_REPORT} later (docs/registry.md).
     */
    public static final int PROBES_TO_REFUSE = 2;

    /** The interval and the timeout, once per probe that must fail: how late an outage may be reported at worst. */
    public static final Duration WORST_CASE_REPORT =
            PROBE_INTERVAL.plus(PROBE_TIMEOUT).multipliedBy(PROBES_TO_REFUSE);

    private final List<URI> endpoints;
    private final Client client;
    private final ScheduledExecutorService prober;
    private volatile @Nullable String unreachable;
    /** The probes failed in a row; only the probe's thread reads and writes it. */
    private int failedInARow;
    /** The prefixes whose watch is broken now, so that this replica may not have heard their last changes. */
    private final Set<String> behind = ConcurrentHashMap.newKeySet();

    private EtcdConnection(List<URI> endpoints, Client client) {
        this.endpoints = endpoints;
        this.client = client;
        prober = Executors.newSingleThreadScheduledExecutor(runnable -> {
            final Thread thread = new Thread(runnable, "mesh-registry-etcd-probe");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Connects to the cluster and checks that it answers.
     *
     * @throws StoreUnavailableException if no endpoint answers within a few seconds
     */
    public static EtcdConnection open(List<URI> endpoints) {
        requireNonNull(endpoints, "endpoints");
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("etcd: no endpoint (expected: http://host:2379,...)");
        }
        final Client client = Client.builder()
                .endpoints(endpoints.toArray(URI[]::new))
                .connectTimeout(Duration.ofSeconds(2))
                .keepaliveTime(Duration.ofSeconds(5))
                .keepaliveTimeout(Duration.ofSeconds(3))
                .build();
        final EtcdConnection connection = new EtcdConnection(List.copyOf(endpoints), client);
        try {
            connection.await(client.getKVClient().get(key("probe")), Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            connection.close();
            throw e;
        }
        final long interval = PROBE_INTERVAL.toNanos();
        connection.prober.scheduleWithFixedDelay(connection::probe, interval, interval, TimeUnit.NANOSECONDS);
        return connection;
    }

    Client client() {
        return client;
    }

    /** The cluster's client URLs, as given. */
    List<URI> endpoints() {
        return endpoints;
    }

    /** Why etcd cannot be reached now, or {@code null} while it answers. */
    public @Nullable String unreachable() {
        return unreachable;
    }

    /**
     * Whether this replica's reads may be behind the cluster: etcd does not answer it now, or one of its watches
     * is broken (resuming, or reading everything again after a compaction).
     */
    public boolean stale() {
        return unreachable != null || !behind.isEmpty();
    }

    /** The watch of {@code prefix} broke: what this replica serves of it may miss changes until it follows again. */
    void behind(String prefix) {
        behind.add(prefix);
    }

    /** The watch of {@code prefix} follows etcd again. */
    void caughtUp(String prefix) {
        behind.remove(prefix);
    }

    /** Refuses a change at once while etcd is known to be unreachable. */
    void checkReachable() {
        final @Nullable String why = unreachable;
        if (why != null) {
            throw new StoreUnavailableException(why, new IllegalStateException(why));
        }
    }

    /** Waits for an etcd call, at most the write timeout; a failure is a {@link StoreUnavailableException}. */
    <T> T await(CompletableFuture<T> call) {
        return await(call, WRITE_TIMEOUT);
    }

    <T> T await(CompletableFuture<T> call, Duration timeout) {
        try {
            return call.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(e);
        } catch (ExecutionException | TimeoutException e) {
            call.cancel(false);
            throw unavailable(e);
        }
    }

    /** The failure a caller gets when etcd did not answer: a 503 that says so. */
    StoreUnavailableException unavailable(Throwable cause) {
        Throwable peeled = cause;
        while ((peeled instanceof CompletionException || peeled instanceof ExecutionException)
                && peeled.getCause() != null) {
            peeled = peeled.getCause();
        }
        final String why = "the registry cannot reach etcd at " + endpoints + " (" + peeled
                + "): nothing was changed; try again, once etcd has a quorum";
        return new StoreUnavailableException(why, peeled);
    }

    private void probe() {
        try {
            client.getKVClient().get(key("probe")).get(PROBE_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
            failedInARow = 0;
            if (unreachable != null) {
                logger.info("etcd at {} answers again: serving fresh data, accepting changes", endpoints);
                unreachable = null;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            failed(e);
        }
    }

    private void failed(Exception e) {
        failedInARow++;
        if (failedInARow < PROBES_TO_REFUSE) {
            // Maybe an election: the next probe says whether etcd is really gone.
            logger.debug("etcd at {} did not answer a probe ({}); looking again", endpoints, e.toString());
            return;
        }
        if (unreachable == null) {
            logger.warn(
                    "etcd at {} does not answer ({} probes in a row failed, the last with {}): reads are served "
                            + "from memory and flagged stale, changes are refused with 503 until it does",
                    endpoints,
                    failedInARow,
                    e.toString());
        }
        unreachable = "the registry cannot reach etcd at " + endpoints + " (" + e
                + "): changes are refused until it has a quorum again; reads are served stale";
    }

    static ByteSequence key(String name) {
        return bytes(ROOT + name);
    }

    static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    static String text(ByteSequence bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        prober.shutdownNow();
        client.close();
    }

    @Override
    public String toString() {
        return "etcd" + endpoints;
    }
}
