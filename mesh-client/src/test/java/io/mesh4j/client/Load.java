package io.mesh4j.client;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

import com.linecorp.armeria.client.WebClient;

/** Sends GETs with a fixed number in flight and counts how they ended. */
final class Load {

    final AtomicInteger ok = new AtomicInteger();
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

    static Load send(WebClient client, int total, int concurrency) throws InterruptedException {
        final Load load = new Load();
        final Semaphore inFlight = new Semaphore(concurrency);
        final CompletableFuture<?>[] calls = new CompletableFuture<?>[total];
        for (int i = 0; i < total; i++) {
            inFlight.acquire();
            calls[i] = client.get("/").aggregate().handle((res, cause) -> {
                if (cause != null) {
                    load.failures.add(cause.toString());
                } else if (res.status().isSuccess()) {
                    load.ok.incrementAndGet();
                } else {
                    load.failures.add(res.status().toString());
                }
                inFlight.release();
                return null;
            });
        }
        CompletableFuture.allOf(calls).join();
        return load;
    }
}
