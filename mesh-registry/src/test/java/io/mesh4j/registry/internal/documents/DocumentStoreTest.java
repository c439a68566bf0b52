package io.mesh4j.registry.internal.documents;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.registry.internal.documents.DocumentStore.Versioned;

/** A document's watches: all woken by its change, none of them in the way of the change's answer. */
class DocumentStoreTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");

    /** A document is a line of text; its file is its index, a newline, and the line. */
    private static final DocumentStore.Codec<String> TEXT = new DocumentStore.Codec<>() {
        @Override
        public byte[] write(Versioned<String> versioned) {
            return (versioned.index() + "\n" + versioned.document()).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public Versioned<String> read(byte[] file) {
            final String[] lines = new String(file, StandardCharsets.UTF_8).split("\n", 2);
            return new Versioned<>(Long.parseLong(lines[0]), lines[1]);
        }
    };

    @TempDir
    Path dir;

    @Test
    void aChangeIsAnsweredWhileItsWatchersAreStillBeingWoken() throws Exception {
        final DocumentStore<String> store = DocumentStore.open(dir, TEXT);
        final long first = store.put(ORDERS, "v1");
        final CountDownLatch putReturned = new CountDownLatch(1);
        // One bound for all the watches together, so that a put that wakes them itself fails in 10 s, not 100 × 10.
        final long giveUpAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        final List<CompletableFuture<Boolean>> watches = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            // Runs where the watch is woken, and holds that thread until the put has returned: a put that woke
            // its watchers itself would hold itself up here, and find the latch still closed.
            watches.add(store.watch(ORDERS, first, Duration.ofSeconds(30)).thenApply(versioned -> {
                try {
                    return putReturned.await(giveUpAt - System.nanoTime(), TimeUnit.NANOSECONDS)
                            && "v2".equals(versioned.document());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }));
        }

        assertThat(store.put(ORDERS, "v2")).isEqualTo(first + 1);
        putReturned.countDown();

        CompletableFuture.allOf(watches.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
        assertThat(watches).allSatisfy(watch -> assertThat(watch.join()).isTrue());
    }

    @Test
    void everyWatcherSeesTheChangeAndAWatcherBehindIsAnsweredAtOnce() throws IOException {
        final DocumentStore<String> store = DocumentStore.open(dir, TEXT);
        final long first = store.put(ORDERS, "v1");
        final List<CompletableFuture<Versioned<String>>> watches = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            watches.add(store.watch(ORDERS, first, Duration.ofSeconds(30)));
        }
        assertThat(watches).noneMatch(CompletableFuture::isDone);

        final long second = store.put(ORDERS, "v2");

        CompletableFuture.allOf(watches.toArray(CompletableFuture[]::new))
                .orTimeout(10, TimeUnit.SECONDS)
                .join();
        assertThat(watches).allSatisfy(watch -> assertThat(watch.join()).isEqualTo(new Versioned<>(second, "v2")));
        assertThat(store.watch(ORDERS, first, Duration.ofSeconds(30)))
                .isCompletedWithValue(new Versioned<>(second, "v2"));
    }

    @Test
    void aWatchOfANameWithNoDocumentLeavesNothingOnceItEnds() throws Exception {
        final DocumentStore<String> store = DocumentStore.open(dir, TEXT);
        final CompletableFuture<Versioned<String>> left =
                store.watch(ServiceName.of("ghost"), 0, Duration.ofMinutes(5));
        // Long enough to be held still when counted below on a busy machine (10 ms was not, in CI at 5210294).
        final CompletableFuture<Versioned<String>> waited =
                store.watch(ServiceName.of("ghost-2"), 0, Duration.ofMillis(500));
        assertThat(store.servicesHeld()).isEqualTo(2);

        left.cancel(false); // the caller left
        waited.get(5, TimeUnit.SECONDS);

        assertThat(store.servicesHeld()).isZero();
    }
}
