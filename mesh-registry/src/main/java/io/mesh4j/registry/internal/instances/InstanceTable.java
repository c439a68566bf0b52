package io.mesh4j.registry.internal.instances;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import com.github.benmanes.caffeine.cache.Ticker;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.InstancesSnapshot;
import io.mesh4j.core.internal.registry.ServiceSummary;
import io.mesh4j.registry.internal.store.Change;
import io.mesh4j.registry.internal.store.HeartbeatAge;
import io.mesh4j.registry.internal.store.RegistryStore;
import io.mesh4j.registry.internal.store.SharedInstanceStore;
import io.mesh4j.registry.internal.store.StoredRegistry;

/**
 * The registry's instances: what the HTTP handlers call. Changes go through one writer thread and complete once
 * durable; heartbeats, reads and watches are answered from memory on the caller's thread without blocking.
 *
 * <p>Over a {@link SharedInstanceStore} (etcd, several replicas), the store gives the indexes and keeps the TTLs
 * instead: changes and heartbeats go to it, and the published state is fed by what it hears ({@link SharedFeed}).
 */
public final class InstanceTable implements AutoCloseable {

    public static final Duration DEFAULT_SWEEP_INTERVAL = Duration.ofMillis(100);

    /** How long a replica waits to hear its own write back from a shared store before it answers 503. */
    private static final Duration SHARED_APPLY_TIMEOUT = Duration.ofSeconds(10);

    private final ServiceEntries entries;
    private final Leases leases;
    private final Ticker ticker;
    private final @Nullable ScheduledExecutorService writerThread;
    private final @Nullable ChangeWriter writer;
    private final @Nullable SharedInstanceStore shared;
    private final @Nullable SharedFeed feed;
    private volatile boolean closed;

    private InstanceTable(
            ServiceEntries entries,
            Leases leases,
            Ticker ticker,
            StoredRegistry stored,
            RegistryStore store,
            Duration sweepInterval) {
        this.entries = entries;
        this.leases = leases;
        this.ticker = ticker;
        shared = null;
        feed = null;
        final ScheduledExecutorService writerThread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            final Thread thread = new Thread(runnable, "mesh-registry-writer");
            thread.setDaemon(true);
            return thread;
        });
        this.writerThread = writerThread;
        writer = new ChangeWriter(store, entries, leases, ticker, writerThread, stored.index());
        final long interval = sweepInterval.toNanos();
        writerThread.scheduleWithFixedDelay(this::sweepIfDue, interval, interval, TimeUnit.NANOSECONDS);
    }

    private InstanceTable(ServiceEntries entries, Ticker ticker, SharedInstanceStore shared, SharedFeed feed) {
        this.entries = entries;
        leases = new Leases();
        this.ticker = ticker;
        writerThread = null;
        writer = null;
        this.shared = shared;
        this.feed = feed;
    }

    /**
     * Serves the instances of a store shared with other replicas: loads what it holds and follows its changes.
     * The store expires instances itself, so this table sweeps nothing.
     */
    public static InstanceTable shared(SharedInstanceStore store, Ticker ticker) throws IOException {
        requireNonNull(store, "store");
        requireNonNull(ticker, "ticker");
        final ServiceEntries entries = new ServiceEntries();
        final SharedFeed[] feed = new SharedFeed[1];
        // The feed may deliver before follow() returns; it waits for the loaded state to be published first.
        final CompletableFuture<Void> loaded = new CompletableFuture<>();
        final StoredRegistry stored = store.follow(new SharedInstanceStore.Feed() {
            @Override
            public void changes(List<Change> changes) {
                loaded.join();
                feed[0].changes(changes);
            }

            @Override
            public void reloaded(StoredRegistry stored) {
                loaded.join();
                feed[0].reloaded(stored);
            }
        });
        stored.services().forEach(entries::publish);
        feed[0] = new SharedFeed(entries, stored.index());
        loaded.complete(null);
        return new InstanceTable(entries, ticker, store, feed[0]);
    }

    /** Whether what this table serves may be behind: its shared store cannot be reached now. */
    public boolean stale() {
        return shared != null && shared.stale();
    }

    /** Answers a shared store's change once this replica's feed has brought it, within a bound. */
    private <T> CompletableFuture<T> afterApplied(long index, T answer) {
        return requireNonNull(feed, "feed")
                .awaitApplied(index)
                .orTimeout(SHARED_APPLY_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS)
                .handle((ignored, cause) -> {
                    if (cause != null) {
                        throw new RegistryUnavailableException("the change is in etcd at index " + index
                                + ", but this replica has not heard it back within " + SHARED_APPLY_TIMEOUT.toSeconds()
                                + "s; read it from another replica, or try again");
                    }
                    return answer;
                });
    }

    /**
     * Loads what the store holds and starts serving it. Every stored instance gets a fresh lease, its own TTL
     * from now, so that it can heartbeat again after the registry's restart.
     *
     * @param sweepInterval how often to look for instances whose TTL ran out
     */
    public static InstanceTable open(RegistryStore store, Ticker ticker, Duration sweepInterval) throws IOException {
        requireNonNull(store, "store");
        requireNonNull(ticker, "ticker");
        requireNonNull(sweepInterval, "sweepInterval");
        if (sweepInterval.isNegative() || sweepInterval.isZero()) {
            throw new IllegalArgumentException("sweepInterval: " + sweepInterval + " (expected: > 0)");
        }
        final StoredRegistry stored = store.load();
        final ServiceEntries entries = new ServiceEntries();
        final Leases leases = new Leases();
        final long now = ticker.read();
        stored.services().forEach((service, state) -> {
            entries.publish(service, state); // nobody watches yet: there is no watch to wake
            state.instances()
                    .forEach((id, registration) -> leases.start(new InstanceKey(service, id), registration.ttl(), now));
        });
        return new InstanceTable(entries, leases, ticker, stored, store, sweepInterval);
    }

    /** Registers or updates an instance; completes with the service's index once the change is durable. */
    public CompletableFuture<Long> register(ServiceName service, InstanceId id, Registration registration) {
        requireNonNull(registration, "registration");
        if (shared != null) {
            return registerShared(shared, service, id, registration);
        }
        final ChangeWriter writer = requireNonNull(this.writer, "writer");
        final CompletableFuture<Long> result = new CompletableFuture<>();
        writer.submit(new Command.Register(
                new InstanceKey(service, id), requireNonNull(registration, "registration"), result));
        return result;
    }

    /**
     * Renews an instance's lease, in memory only.
     *
     * @return the service's index, or empty if the instance is unknown or has expired (it must register again)
     */
    public OptionalLong heartbeat(ServiceName service, InstanceId id) {
        final @Nullable Lease lease = leases.get(new InstanceKey(service, id));
        if (lease == null || !lease.renew(ticker.read())) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(entries.state(service).index());
    }

    /**
     * Renews an instance's lease: in memory, or in the shared store.
     *
     * @return the service's index, or empty if the instance is unknown or has expired (it must register again)
     */
    public CompletableFuture<OptionalLong> renew(ServiceName service, InstanceId id) {
        if (shared == null) {
            return CompletableFuture.completedFuture(heartbeat(service, id));
        }
        return shared.renew(service, id)
                .thenApply(
                        alive -> alive ? OptionalLong.of(entries.state(service).index()) : OptionalLong.empty());
    }

    private CompletableFuture<Long> registerShared(
            SharedInstanceStore shared, ServiceName service, InstanceId id, Registration registration) {
        if (registration.equals(entries.state(service).instances().get(id))) {
            // The same registration again: a renewal only, with no new index and no wake-up, as on one registry.
            return shared.renew(service, id)
                    .thenCompose(alive -> alive
                            ? CompletableFuture.completedFuture(
                                    entries.state(service).index())
                            : shared.put(service, id, registration).thenCompose(index -> afterApplied(index, index)));
        }
        return shared.put(service, id, registration).thenCompose(index -> afterApplied(index, index));
    }

    /**
     * Every live instance's time since its last heartbeat (or registration), for {@code meshctl check}: from memory,
     * or, over a shared store, from its TTLs there (etcd's leases), since a heartbeat may reach any replica.
     */
    public CompletableFuture<List<HeartbeatAge>> heartbeatAges() {
        if (shared != null) {
            return shared.heartbeatAges();
        }
        return CompletableFuture.completedFuture(heartbeatAgesInMemory());
    }

    /**
     * Every live instance's time since its last heartbeat when this registry keeps the TTLs itself; null over a
     * shared store, where they would cost a call to it per instance (the dashboard's snapshot, every 2 s, does not
     * pay that; {@code meshctl check}, asked now and then, does).
     */
    public @Nullable List<HeartbeatAge> heartbeatAgesKnownHere() {
        return shared != null ? null : heartbeatAgesInMemory();
    }

    private List<HeartbeatAge> heartbeatAgesInMemory() {
        final long now = ticker.read();
        final List<HeartbeatAge> ages = new ArrayList<>();
        leases.forEach((key, lease) -> {
            if (!lease.isDue(now)) {
                ages.add(new HeartbeatAge(key.service(), key.id(), lease.sinceRenewal(now), lease.ttl()));
            }
        });
        return ages;
    }

    /** Removes an instance; completes with the index of the removal, or empty if the instance was unknown. */
    public CompletableFuture<OptionalLong> deregister(ServiceName service, InstanceId id) {
        if (shared != null) {
            return shared.remove(service, id)
                    .thenCompose(index -> index.isPresent()
                            ? afterApplied(index.getAsLong(), index)
                            : CompletableFuture.completedFuture(index));
        }
        final ChangeWriter writer = requireNonNull(this.writer, "writer");
        final CompletableFuture<OptionalLong> result = new CompletableFuture<>();
        writer.submit(new Command.Deregister(new InstanceKey(service, id), result));
        return result;
    }

    /**
     * The service's instances now; an unknown service has index 0 and none.
     */
    public InstancesSnapshot snapshot(ServiceName service) {
        return entries.snapshot(service).instances();
    }

    /** The service now, as reads answer it: the same {@link ServiceSnapshot} for every caller at one index. */
    public ServiceSnapshot current(ServiceName service) {
        return entries.snapshot(service);
    }

    /**
     * Answers a watch: at once if the service's index differs from {@code index} (the caller is behind, or from
     * another history), else when the service changes or {@code wait} runs out, with what it has then. A watch
     * from index 0 on a service nobody registered yet holds until its first instance registers. Cancelling the
     * returned future stops the wait. Every watch woken by one change gets the same {@link ServiceSnapshot}.
     */
    public CompletableFuture<ServiceSnapshot> watch(ServiceName service, long index, Duration wait) {
        return watch(service, index, wait, null);
    }

    /**
     * As {@link #watch(ServiceName, long, Duration)}, answered on {@code loop}, the watch request's event loop: a
     * change wakes the watches of one loop with one task there, and the end of the wait is a timer of that loop
     * (no lock shared with other loops, and the change's wake-up cancels it on the loop, where that is cheap).
     *
     * @param loop a single thread (an event loop) that answers the watch and times its wait; {@code null} to
     *     answer on the thread that publishes the change and time the wait with a shared timer
     */
    public CompletableFuture<ServiceSnapshot> watch(
            ServiceName service, long index, Duration wait, @Nullable ScheduledExecutorService loop) {
        final ServiceSnapshot current = entries.snapshot(service);
        if (closed || current.index() != index) {
            return CompletableFuture.completedFuture(current);
        }
        // A service nobody registered gets an entry here, so that its first registration wakes the watch; the
        // entry goes again with the service's last watch, unless the service registered meanwhile.
        final @Nullable HeldChange change = entries.awaitChangeFrom(service, index, loop);
        if (change == null) {
            return CompletableFuture.completedFuture(entries.snapshot(service));
        }
        if (closed) {
            change.complete(null); // close() ran between the check above and the registration
        }
        if (loop == null) {
            change.completeOnTimeout(null, wait.toNanos(), TimeUnit.NANOSECONDS);
        } else {
            final ScheduledFuture<?> timeout =
                    loop.schedule(() -> change.complete(null), wait.toNanos(), TimeUnit.NANOSECONDS);
            change.whenComplete((ignored, cause) -> timeout.cancel(false));
        }
        // Forgotten before it is answered, so that whoever reads the answer finds the watch no longer held.
        final CompletableFuture<ServiceSnapshot> answer = change.handle((ignored, cause) -> {
            entries.forget(service, change);
            if (cause != null) {
                throw new CompletionException(cause);
            }
            return entries.snapshot(service);
        });
        answer.whenComplete((ignored, cause) -> {
            if (answer.isCancelled()) {
                // The caller left: the answer's own step will not run, so the watch is forgotten here.
                entries.forget(service, change);
                change.cancel(false);
            }
        });
        return answer;
    }

    /** Whether {@link #close()} ran: a watch answers at once from now on, so a watch stream ends instead. */
    public boolean isClosed() {
        return closed;
    }

    /** How many watches are held now, waiting for a change. */
    public int heldWatches() {
        return entries.waitingCount();
    }

    /**
     * How many services the table keeps an entry for: those that ever had an instance, and those a watch waits
     * on now. A read or a watch of any other name leaves nothing behind once it is answered.
     */
    public int servicesHeld() {
        return entries.size();
    }

    /** Every service with at least one instance, sorted by name. */
    public List<ServiceSummary> services() {
        return entries.summaries();
    }

    /** Expires every instance whose TTL ran out now; completes with how many. The sweeper calls it on its own. */
    public CompletableFuture<Integer> sweep() {
        if (shared != null) {
            return CompletableFuture.completedFuture(0); // the shared store expires instances itself
        }
        final ChangeWriter writer = requireNonNull(this.writer, "writer");
        final CompletableFuture<Integer> result = new CompletableFuture<>();
        writer.submit(new Command.Sweep(result));
        return result;
    }

    private void sweepIfDue() {
        if (leases.anyDue(ticker.read())) {
            sweep();
        }
    }

    /** Why the table refuses changes (its store failed), or {@code null} while it accepts them. */
    public @Nullable String refusal() {
        return writer == null ? null : writer.refusal();
    }

    /**
     * Answers every held watch with what it has, lets the changes already submitted finish, and stops the writer.
     * The store stays open: it belongs to the caller.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        entries.wakeAll();
        final @Nullable ScheduledExecutorService writerThread = this.writerThread;
        if (writerThread == null) {
            return;
        }
        writerThread.shutdown();
        try {
            if (!writerThread.awaitTermination(10, TimeUnit.SECONDS)) {
                writerThread.shutdownNow();
            }
        } catch (InterruptedException e) {
            writerThread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
