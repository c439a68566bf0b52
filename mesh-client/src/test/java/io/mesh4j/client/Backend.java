package io.mesh4j.client;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Server;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.BossGroups;
import io.mesh4j.core.internal.registry.RegistryClient;

/**
 * A real Armeria server on an ephemeral loopback port, registered in a real registry as one instance of a
 * service, counting the requests it gets. The client module's tests use plain servers rather than mesh-server,
 * which the client must not know.
 */
final class Backend implements AutoCloseable {

    final InstanceId id;
    final AtomicInteger hits = new AtomicInteger();
    private final ServiceName service;
    private final RegistryClient registry;
    private final Server server;
    private String zone = "";
    private Map<String, String> metadata = Map.of();

    private Backend(RegistryClient registry, ServiceName service, InstanceId id, HttpService handler) {
        this.registry = registry;
        this.service = service;
        this.id = id;
        server = Server.builder()
                .http(0)
                .service("prefix:/", (ctx, req) -> {
                    hits.incrementAndGet();
                    return handler.serve(ctx, req);
                })
                .gracefulShutdownTimeout(Duration.ZERO, Duration.ZERO)
                .connectionDrainDuration(Duration.ZERO)
                .bossGroupFactory(BossGroups::newBossGroup)
                .build();
        server.start().join();
    }

    /** Starts a backend and registers it; returns once the registry has it. */
    static Backend start(RegistryClient registry, String service, String id, HttpService handler) {
        return start(registry, service, id, 100, handler);
    }

    static Backend start(RegistryClient registry, String service, String id, int weight, HttpService handler) {
        final Backend backend = new Backend(registry, ServiceName.of(service), InstanceId.of(id), handler);
        backend.register(weight);
        return backend;
    }

    /** Starts a backend with instance metadata (such as {@code version=v2}) and a zone, and registers it. */
    static Backend start(
            RegistryClient registry,
            String service,
            String id,
            String zone,
            Map<String, String> metadata,
            HttpService handler) {
        final Backend backend = new Backend(registry, ServiceName.of(service), InstanceId.of(id), handler);
        backend.zone = zone;
        backend.metadata = Map.copyOf(metadata);
        backend.register(100);
        return backend;
    }

    /** Answers {@code text} with 200. */
    static HttpService ok(String text) {
        return (ctx, req) -> HttpResponse.of(text);
    }

    /** Answers {@code text} with 200 after {@code delay}. */
    static HttpService slow(String text, Duration delay) {
        return (ctx, req) -> HttpResponse.delayed(HttpResponse.of(text), delay);
    }

    void register(int weight) {
        registry.register(
                        service,
                        id,
                        Registration.builder("127.0.0.1", port())
                                .weight(weight)
                                .zone(zone)
                                .metadata(metadata)
                                .ttl(Duration.ofSeconds(60))
                                .build())
                .join();
    }

    void deregister() {
        registry.deregister(service, id).join();
    }

    int port() {
        return server.activeLocalPort(SessionProtocol.HTTP);
    }

    /** Stops serving without deregistering, as a crashed instance would. */
    void kill() {
        server.stop().join();
    }

    @Override
    public void close() {
        server.stop().join();
    }
}
