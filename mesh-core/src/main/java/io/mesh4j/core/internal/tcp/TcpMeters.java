package io.mesh4j.core.internal.tcp;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The meters of one side of one TCP service: {@code mesh.<side>.tcp.connections} by {@code outcome} (opened,
 * refused, failed, closed by the mesh) and {@code reason}, the gauge {@code mesh.<side>.tcp.connections.active}, and
 * {@code mesh.<side>.tcp.bytes} by {@code direction} ({@code in}: read from the mesh connection's far end, {@code out}:
 * sent to it).
 */
public final class TcpMeters {

    private final MeterRegistry registry;
    private final String prefix;
    private final String service;
    /**
     * The gauge's count, one per registry, side and service: two forwards to one service, or a server started again
     * in the same process, add to the one gauge the registry has, which keeps the first object it was given.
     */
    private static final Cache<MeterRegistry, Map<String, AtomicInteger>> ACTIVE =
            Caffeine.newBuilder().weakKeys().build();

    private final AtomicInteger active;
    private final AtomicInteger mine = new AtomicInteger();
    private final Counter opened;
    private final Counter idle;
    private final Counter bytesIn;
    private final Counter bytesOut;

    /**
     * @param side {@code server} or {@code client}
     * @param service the TCP service, such as {@code redis}
     */
    public TcpMeters(MeterRegistry registry, String side, String service) {
        this.registry = requireNonNull(registry, "registry");
        prefix = "mesh." + requireNonNull(side, "side") + ".tcp.";
        this.service = requireNonNull(service, "service");
        opened = connections("opened", "");
        idle = connections("closed", "idle");
        bytesIn = bytes("in");
        bytesOut = bytes("out");
        active = requireNonNull(ACTIVE.get(registry, unused -> new ConcurrentHashMap<>()))
                .computeIfAbsent(prefix + service, unused -> {
                    final AtomicInteger count = new AtomicInteger();
                    Gauge.builder(prefix + "connections.active", count, AtomicInteger::get)
                            .description("TCP connections open through the mesh now")
                            .tag("service", service)
                            .strongReference(true)
                            .register(registry);
                    return count;
                });
    }

    private Counter connections(String outcome, String reason) {
        return Counter.builder(prefix + "connections")
                .description("TCP connections through the mesh, by outcome")
                .tag("service", service)
                .tag("outcome", outcome)
                .tag("reason", reason)
                .register(registry);
    }

    private Counter bytes(String direction) {
        return Counter.builder(prefix + "bytes")
                .description("bytes piped through the mesh's TCP connections")
                .baseUnit("bytes")
                .tag("service", service)
                .tag("direction", direction)
                .register(registry);
    }

    /** A connection was piped; it counts as active until {@link #closed()}. */
    public void opened() {
        opened.increment();
        active.incrementAndGet();
        mine.incrementAndGet();
    }

    public void closed() {
        active.decrementAndGet();
        mine.decrementAndGet();
    }

    /**
     * A connection was refused or failed before it was piped.
     *
     * @param reason a short word, such as {@code policy}, {@code limit}, {@code handshake}, {@code backend}
     */
    public void refused(String reason) {
        connections("refused", reason).increment();
    }

    public void failed(String reason) {
        connections("failed", reason).increment();
    }

    /** An open connection was closed by the mesh: no byte crossed it, either way, for its idle timeout. */
    public void closedIdle() {
        idle.increment();
    }

    public void bytesIn(long bytes) {
        bytesIn.increment(bytes);
    }

    public void bytesOut(long bytes) {
        bytesOut.increment(bytes);
    }

    /** The connections open now that these meters counted, not those of others of the same service. */
    public int active() {
        return mine.get();
    }
}
