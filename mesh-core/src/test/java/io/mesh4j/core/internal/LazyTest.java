package io.mesh4j.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/**
 * A lazy value is made at its first use and not before, and once however many threads ask for it at the same time.
 */
class LazyTest {

    @Test
    void madeAtTheFirstGetOnly() {
        final AtomicInteger made = new AtomicInteger();
        final Lazy<Object> lazy = Lazy.of(() -> {
            made.incrementAndGet();
            return new Object();
        });
        assertThat(made).hasValue(0);

        final Object first = lazy.get();
        assertThat(lazy.get()).isSameAs(first);
        assertThat(made).hasValue(1);
    }

    @Test
    void madeOnceByThreadsAskingTogether() {
        final AtomicInteger made = new AtomicInteger();
        final Lazy<Object> lazy = Lazy.of(() -> {
            made.incrementAndGet();
            return new Object();
        });
        final CountDownLatch go = new CountDownLatch(1);
        final ExecutorService threads = Executors.newFixedThreadPool(8);
        final List<CompletableFuture<Object>> asks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            asks.add(CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            go.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return lazy.get();
                    },
                    threads));
        }
        go.countDown();

        final Object first = asks.get(0).join();
        asks.forEach(ask -> assertThat(ask.join()).isSameAs(first));
        assertThat(made).hasValue(1);
        threads.shutdown();
    }
}
