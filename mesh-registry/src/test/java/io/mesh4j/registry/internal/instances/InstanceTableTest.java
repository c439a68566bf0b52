package io.mesh4j.registry.internal.instances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.github.benmanes.caffeine.cache.Ticker;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.registry.internal.store.Change;
import io.mesh4j.registry.internal.store.FileRegistryStore;
import io.mesh4j.registry.internal.store.RegistryStore;
import io.mesh4j.registry.internal.store.StoredRegistry;

/**
 * The writer's order and its failures, on a real file store that the test can hold up or break: what a disk
 * does, without waiting for one to do it.
 */
class InstanceTableTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");
    private static final InstanceId A = InstanceId.of("a");
    private static final InstanceId B = InstanceId.of("b");
    private static final Registration AT_8080 =
            Registration.builder("10.0.0.7", 8080).build();
    private static final Registration AT_9090 =
            Registration.builder("10.0.0.7", 9090).build();

    @TempDir
    Path dir;

    private ControlledStore store;
    private InstanceTable table;

    @BeforeEach
    void open() throws IOException {
        store = new ControlledStore(FileRegistryStore.open(dir));
        table = InstanceTable.open(store, Ticker.systemTicker(), Duration.ofSeconds(1));
    }

    @AfterEach
    void close() throws IOException {
        store.release();
        table.close();
        store.close();
    }

    @Test
    void aWatchOfAServiceNobodyRegisteredLeavesNothingOnceItEndsAndIsWokenIfItRegisters() throws Exception {
        final CompletableFuture<ServiceSnapshot> left = table.watch(ServiceName.of("ghost"), 0, Duration.ofMinutes(5));
        final CompletableFuture<ServiceSnapshot> waited =
                table.watch(ServiceName.of("ghost-2"), 0, Duration.ofMillis(10));
        final CompletableFuture<ServiceSnapshot> woken = table.watch(ORDERS, 0, Duration.ofMinutes(5));
        assertThat(table.servicesHeld()).isEqualTo(3);

        left.cancel(false); // the caller left
        waited.get(5, TimeUnit.SECONDS);
        assertThat(table.servicesHeld()).isEqualTo(1);
        final long index = table.register(ORDERS, A, AT_8080).get(5, TimeUnit.SECONDS);

        assertThat(woken.get(5, TimeUnit.SECONDS).index()).isEqualTo(index);
        assertThat(table.servicesHeld()).isEqualTo(1); // orders, which keeps its index from now on
        assertThat(table.heldWatches()).isZero();
    }

    @Test
    void commandsThatArriveDuringAWriteShareTheNextOneInArrivalOrder() throws Exception {
        store.holdNextAppend();
        final CompletableFuture<Long> first = table.register(ORDERS, A, AT_8080);
        store.awaitHeldAppend();

        // Queued behind the held write: one batch, decided in this order.
        final CompletableFuture<Long> registerB = table.register(ORDERS, B, AT_8080);
        final CompletableFuture<OptionalLong> deregisterB = table.deregister(ORDERS, B);
        final CompletableFuture<Long> registerBAgain = table.register(ORDERS, B, AT_9090);
        final CompletableFuture<OptionalLong> deregisterUnknown = table.deregister(ORDERS, InstanceId.of("c"));
        final CompletableFuture<Long> sameA = table.register(ORDERS, A, AT_8080);
        assertThat(registerB).isNotDone();
        store.release();

        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(registerB.get(5, TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(deregisterB.get(5, TimeUnit.SECONDS)).hasValue(3);
        assertThat(registerBAgain.get(5, TimeUnit.SECONDS)).isEqualTo(4);
        assertThat(deregisterUnknown.get(5, TimeUnit.SECONDS)).isEmpty();
        assertThat(sameA.get(5, TimeUnit.SECONDS)).isEqualTo(4);
        assertThat(store.batches()).extracting(List::size).containsExactly(1, 3);
        assertThat(store.batches().get(1)).extracting(Change::index).containsExactly(2L, 3L, 4L);
        assertThat(table.snapshot(ORDERS).instances()).containsExactly(AT_8080.toInstance(A), AT_9090.toInstance(B));
    }

    @Test
    void nothingIsVisibleOrAnsweredBeforeItIsDurable() throws Exception {
        store.holdNextAppend();
        final CompletableFuture<Long> register = table.register(ORDERS, A, AT_8080);
        store.awaitHeldAppend();

        assertThat(register).isNotDone();
        assertThat(table.snapshot(ORDERS).index()).isZero();
        assertThat(table.heartbeat(ORDERS, A)).isEmpty();

        store.release();
        assertThat(register.get(5, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(table.heartbeat(ORDERS, A)).hasValue(1);
    }

    @Test
    void everyWatchWokenByAChangeGetsTheSameSnapshotAtTheNewIndex() throws Exception {
        table.register(ORDERS, A, AT_8080).get(5, TimeUnit.SECONDS);
        final List<CompletableFuture<ServiceSnapshot>> watches = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            watches.add(table.watch(ORDERS, 1, Duration.ofSeconds(30)));
        }
        assertThat(table.heldWatches()).isEqualTo(500);

        assertThat(table.register(ORDERS, B, AT_9090).get(5, TimeUnit.SECONDS)).isEqualTo(2);

        CompletableFuture.allOf(watches.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        final ServiceSnapshot first = watches.get(0).join();
        assertThat(first.index()).isEqualTo(2);
        assertThat(first.instances().instances()).containsExactly(AT_8080.toInstance(A), AT_9090.toInstance(B));
        // One snapshot for the index, so its instance list and its JSON are built once, not once per watch.
        assertThat(watches).allSatisfy(watch -> assertThat(watch.join()).isSameAs(first));
        assertThat(table.current(ORDERS)).isSameAs(first);
        assertThat(first.json().array()).isSameAs(table.current(ORDERS).json().array());
        assertThat(table.heldWatches()).isZero();
    }

    @Test
    void aChangeIsAnsweredBeforeItsWatchesAreWoken() throws Exception {
        table.register(ORDERS, A, AT_8080).get(5, TimeUnit.SECONDS);
        final AtomicReference<CompletableFuture<Long>> change = new AtomicReference<>();
        final List<CompletableFuture<Boolean>> answeredFirst = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            // Runs where the watch is woken; it asks whether the change had its answer by then.
            answeredFirst.add(table.watch(ORDERS, 1, Duration.ofSeconds(30))
                    .thenApply(snapshot -> snapshot.index() == 2 && change.get().isDone()));
        }
        store.holdNextAppend();
        change.set(table.register(ORDERS, B, AT_8080));
        store.awaitHeldAppend();
        store.release();

        assertThat(change.get().get(5, TimeUnit.SECONDS)).isEqualTo(2);
        CompletableFuture.allOf(answeredFirst.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        assertThat(answeredFirst).allSatisfy(watch -> assertThat(watch.join()).isTrue());
    }

    @Test
    void aChangeWakesTheWatchesOfEachLoopWithOneTaskThereAndAWaitEndsOnItsLoop() throws Exception {
        final Loop first = new Loop("first");
        final Loop second = new Loop("second");
        try {
            final long index = table.register(ORDERS, A, AT_8080).get(5, TimeUnit.SECONDS);
            final List<CompletableFuture<String>> answeredOn = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                final CompletableFuture<ServiceSnapshot> watch =
                        table.watch(ORDERS, index, Duration.ofMinutes(5), i % 2 == 0 ? first : second);
                answeredOn.add(watch.thenApply(snapshot ->
                        snapshot.index() + " on " + Thread.currentThread().getName()));
            }
            final CompletableFuture<ServiceSnapshot> shortWait =
                    table.watch(ORDERS, index, Duration.ofMillis(50), first);
            final CompletableFuture<String> shortOn = shortWait.thenApply(snapshot ->
                    snapshot.index() + " on " + Thread.currentThread().getName());
            assertThat(shortOn.get(5, TimeUnit.SECONDS)).isEqualTo(index + " on first");
            assertThat(table.heldWatches()).isEqualTo(100);
            first.executed.set(0);
            second.executed.set(0);

            final long next = table.register(ORDERS, B, AT_9090).get(5, TimeUnit.SECONDS);

            for (int i = 0; i < 100; i++) {
                assertThat(answeredOn.get(i).get(5, TimeUnit.SECONDS))
                        .isEqualTo(next + " on " + (i % 2 == 0 ? "first" : "second"));
            }
            // One task per loop woke its 50 watches; the cancelled timers are no tasks of their own.
            assertThat(first.executed).hasValue(1);
            assertThat(second.executed).hasValue(1);
            assertThat(table.heldWatches()).isZero();
        } finally {
            first.shutdownNow();
            second.shutdownNow();
        }
    }

    /** One thread, as an event loop is, counting the tasks handed to it. */
    private static final class Loop extends ScheduledThreadPoolExecutor {

        final AtomicInteger executed = new AtomicInteger();

        Loop(String name) {
            super(1, runnable -> new Thread(runnable, name));
            setRemoveOnCancelPolicy(true);
        }

        @Override
        public void execute(Runnable command) {
            executed.incrementAndGet();
            super.execute(command);
        }
    }

    @Test
    void aFailedWriteRefusesChangesUntilARestart() throws Exception {
        table.register(ORDERS, A, AT_8080).join();
        store.failNextAppend();

        assertThatThrownBy(() -> table.register(ORDERS, B, AT_8080).join())
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(RegistryUnavailableException.class)
                .hasMessageContaining("disk full");
        assertThatThrownBy(() -> table.deregister(ORDERS, A).join())
                .hasCauseInstanceOf(RegistryUnavailableException.class)
                .hasMessageContaining("restarted");
        assertThat(table.refusal()).contains("disk full");
        // What was stored before stays served, and heartbeats (memory only) still work.
        assertThat(table.snapshot(ORDERS).instances()).containsExactly(AT_8080.toInstance(A));
        assertThat(table.heartbeat(ORDERS, A)).hasValue(1);
    }

    @Test
    void changesAfterCloseAreRefused() {
        table.close();

        assertThatThrownBy(() -> table.register(ORDERS, A, AT_8080).join())
                .hasCauseInstanceOf(RegistryUnavailableException.class)
                .hasMessageContaining("stopping");
    }

    /** A file store whose next append the test can hold up, or fail as a full disk would. */
    private static final class ControlledStore implements RegistryStore {

        private final RegistryStore delegate;
        private final List<List<Change>> batches = new ArrayList<>();
        private volatile CountDownLatch held = new CountDownLatch(0);
        private volatile CountDownLatch holding = new CountDownLatch(0);
        private volatile boolean failNext;

        ControlledStore(RegistryStore delegate) {
            this.delegate = delegate;
        }

        void holdNextAppend() {
            holding = new CountDownLatch(1);
            held = new CountDownLatch(1);
        }

        void awaitHeldAppend() throws InterruptedException {
            assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();
        }

        void release() {
            held.countDown();
        }

        void failNextAppend() {
            failNext = true;
        }

        synchronized List<List<Change>> batches() {
            return List.copyOf(batches);
        }

        @Override
        public StoredRegistry load() throws IOException {
            return delegate.load();
        }

        @Override
        public void append(List<Change> changes) throws IOException {
            holding.countDown();
            try {
                held.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            if (failNext) {
                throw new IOException("No space left on device (disk full)");
            }
            synchronized (this) {
                if (!changes.isEmpty()) {
                    batches.add(List.copyOf(changes));
                }
            }
            delegate.append(changes);
        }

        @Override
        public void close() throws IOException {
            delegate.close();
        }
    }
}
