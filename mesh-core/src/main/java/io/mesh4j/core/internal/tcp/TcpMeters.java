package io.mesh4j.core.internal.tcp;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The meters of one side of one TCP service: {@code mesh.<side>.tcp.connections} by {@code outcome} (opened,
 * refused, failed) and {@code reason}, the gauge {@code mesh.<side>.tcp.connections.active}, and
 * {@code mesh.<side>.tcp.bytes} by {@code direction} ({@code in}: read from the mesh connection's far end, {@code out}:
 * sent to it).
 */
public final class TcpMeters {

    private final MeterRegistry registry;
    private final String prefix;
    private final String service;
    private final AtomicInteger active = new AtomicInteger();
    private final Counter opened;
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
        bytesIn = bytes("in");
        bytesOut = bytes("out");
        Gauge.builder(prefix + "connections.active", active, AtomicInteger::get)
                .description("TCP connections open through the mesh now")
                .tag("service", service)
                .register(registry);
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
    }

    public void closed() {
        active.decrementAndGet();
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

    public void bytesIn(long bytes) {
        bytesIn.increment(bytes);
    }

    public void bytesOut(long bytes) {
        bytesOut.increment(bytes);
    }

    public int active() {
        return active.get();
    }

    public double count(String outcome, String reason) {
        return connections(outcome, reason).count();
    }
}
