package io.mesh4j.examples.springboot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;

/**
 * Calls the shop's {@code GET /products/{sku}} at a fixed rate, whatever the answers take, as users would, and
 * tallies the answers: how many, how fast, which catalog instance gave each.
 */
final class Load implements AutoCloseable {

    private static final List<String> SKUS = List.of("kettle", "teapot", "mug");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WebClient shop;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        final Thread thread = new Thread(r, "demo-load");
        thread.setDaemon(true);
        return thread;
    });
    private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();
    private final AtomicLong sent = new AtomicLong();
    private Tally tally = new Tally();

    private Load(String shopUrl) {
        shop = WebClient.of(shopUrl);
    }

    static Load start(String shopUrl, int perSecond) {
        final Load load = new Load(shopUrl);
        load.ticker.scheduleAtFixedRate(load::call, 0, TimeUnit.SECONDS.toNanos(1) / perSecond, TimeUnit.NANOSECONDS);
        return load;
    }

    private void call() {
        final String sku = SKUS.get((int) (sent.getAndIncrement() % SKUS.size()));
        final long start = System.nanoTime();
        final CompletableFuture<AggregatedHttpResponse> call =
                shop.get("/products/" + sku).aggregate();
        inFlight.add(call);
        call.whenComplete((response, cause) -> {
            inFlight.remove(call);
            record(response, System.nanoTime() - start);
        });
    }

    private void record(@Nullable AggregatedHttpResponse response, long nanos) {
        @Nullable String servedBy = null;
        final int status = response != null ? response.status().code() : 0;
        if (response != null && status == 200) {
            try {
                servedBy =
                        JSON.readTree(response.contentUtf8()).path("servedBy").asText();
            } catch (Exception e) {
                servedBy = "?";
            }
        }
        synchronized (this) {
            tally.add(status, servedBy, nanos);
        }
    }

    /** What was answered since the last cut. */
    synchronized Tally cut() {
        final Tally done = tally;
        tally = new Tally();
        return done;
    }

    /** Stops sending, and waits (at most {@code timeout}) for the calls still under way. */
    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    void close(Duration timeout) {
        ticker.shutdownNow();
        try {
            CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // Whatever did not finish counts as not answered, which the tally shows.
        }
    }

    /** The answers of one stretch of time. */
    static final class Tally {
        private final List<Long> nanos = new ArrayList<>();
        private final Map<String, Integer> byInstance = new TreeMap<>();
        private final Map<Integer, Integer> failedByStatus = new TreeMap<>();

        void add(int status, @Nullable String servedBy, long latencyNanos) {
            nanos.add(latencyNanos);
            if (status == 200 && servedBy != null) {
                byInstance.merge(servedBy, 1, Integer::sum);
            } else {
                failedByStatus.merge(status, 1, Integer::sum);
            }
        }

        void addAll(Tally other) {
            nanos.addAll(other.nanos);
            other.byInstance.forEach((instance, calls) -> byInstance.merge(instance, calls, Integer::sum));
            other.failedByStatus.forEach((status, calls) -> failedByStatus.merge(status, calls, Integer::sum));
        }

        int calls() {
            return nanos.size();
        }

        int failed() {
            return failedByStatus.values().stream().mapToInt(Integer::intValue).sum();
        }

        /** Failures by status, 0 standing for no answer at all. */
        Map<Integer, Integer> failedByStatus() {
            return failedByStatus;
        }

        Map<String, Integer> byInstance() {
            return byInstance;
        }

        /** The latency under which {@code percent} of the calls were answered. */
        Duration percentile(double percent) {
            if (nanos.isEmpty()) {
                return Duration.ZERO;
            }
            final List<Long> sorted = new ArrayList<>(nanos);
            sorted.sort(null);
            final int index = (int) Math.ceil(percent / 100 * sorted.size()) - 1;
            return Duration.ofNanos(sorted.get(Math.max(0, index)));
        }
    }
}
