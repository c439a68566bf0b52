package io.mesh4j.examples;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.linecorp.armeria.client.WebClient;

/**
 * Keeps a number of GETs in flight until stopped, remembers every one that failed and why, and counts which
 * instance served the others (the example services say so in a {@code servedBy} field).
 */
final class SteadyLoad {

    private static final Pattern SERVED_BY = Pattern.compile("\"servedBy\":\"([^\"]+)\"");

    private final WebClient client;
    private final String path;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong ok = new AtomicLong();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final Map<String, LongAdder> servedBy = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final CountDownLatch drained = new CountDownLatch(1);

    private SteadyLoad(WebClient client, String path) {
        this.client = client;
        this.path = path;
    }

    static SteadyLoad start(WebClient client, String path, int concurrency) {
        final SteadyLoad load = new SteadyLoad(client, path);
        for (int i = 0; i < concurrency; i++) {
            load.inFlight.incrementAndGet();
            load.next();
        }
        return load;
    }

    private void next() {
        if (!running.get()) {
            if (inFlight.decrementAndGet() == 0) {
                drained.countDown();
            }
            return;
        }
        client.get(path).aggregate().handle((res, cause) -> {
            if (cause != null) {
                failures.add(cause.toString());
            } else if (!res.status().isSuccess()) {
                failures.add(res.status() + " " + res.contentUtf8());
            } else {
                ok.incrementAndGet();
                final Matcher m = SERVED_BY.matcher(res.contentUtf8());
                if (m.find()) {
                    servedBy.computeIfAbsent(m.group(1), unused -> new LongAdder())
                            .increment();
                }
            }
            next();
            return null;
        });
    }

    /** Stops sending and waits for the calls in flight to end. */
    SteadyLoad stop() throws InterruptedException {
        running.set(false);
        drained.await();
        return this;
    }

    long ok() {
        return ok.get();
    }

    long servedBy(String instanceId) {
        final LongAdder count = servedBy.get(instanceId);
        return count == null ? 0 : count.sum();
    }

    ConcurrentLinkedQueue<String> failures() {
        return failures;
    }
}
