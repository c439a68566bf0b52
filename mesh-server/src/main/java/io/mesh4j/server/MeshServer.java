package io.mesh4j.server;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.common.CommonPools;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.util.SafeCloseable;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;

import io.mesh4j.core.admin.AdminServer;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.BossGroups;
import io.mesh4j.core.registry.RegistryClient;
import io.mesh4j.core.stack.CommonParams;
import io.mesh4j.core.stack.Stack;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.server.registration.Registrar;

/**
 * One instance of a service: an Armeria server whose every request passes the inbound {@link Stack}, and which
 * keeps itself registered while it serves.
 *
 * <pre>{@code
 * MeshServer server = MeshServer.builder("orders", URI.create("http://registry:7070"))
 *         .service("/orders/{id}", (ctx, req) -> HttpResponse.of("order " + ctx.pathParam("id")))
 *         .build();
 * server.start().join();   // serving, and registered
 * ...
 * server.stop().join();    // deregistered, drained, closed
 * }</pre>
 *
 * <p>Stopping is ordered so that no request is lost: deregister first, so that callers stop picking this
 * instance; wait the drain period, so that every caller's watch has heard it; then let the requests still in
 * flight finish before the listener closes.
 */
public final class MeshServer implements SafeCloseable {

    private static final Logger logger = LoggerFactory.getLogger(MeshServer.class);

    /** How long deregistration may take before stop goes on without it. */
    private static final Duration DEREGISTER_TIMEOUT = Duration.ofSeconds(2);

    private final ServiceName service;
    private final InstanceId instanceId;
    private final Stack<HttpService> stack;
    private final Server server;
    private final RegistryClient registry;
    private final ClientFactory registryFactory;
    private final MeshServerBuilder config;
    private final @Nullable AdminServer admin;

    private @Nullable Registrar registrar;
    private @Nullable CompletableFuture<Void> stopFuture;

    MeshServer(MeshServerBuilder config) {
        this.config = config;
        service = config.service;
        instanceId = config.instanceId();
        stack = config.stack;
        registryFactory = ClientFactory.builder().build();
        registry = RegistryClient.of(config.registryUri, registryFactory);
        server = newArmeriaServer(config);
        admin = config.adminPort < 0 ? null : AdminServer.builder(config.telemetry).port(config.adminPort).build()
                                                     .show(service + " inbound", () -> stack);
    }

    public static MeshServerBuilder builder(String service, URI registryUri) {
        return new MeshServerBuilder(ServiceName.of(service), requireNonNull(registryUri, "registryUri"));
    }

    /**
     * The whole inbound path, assembled in one place: the user's routes, wrapped in the stack's layers.
     */
    private Server newArmeriaServer(MeshServerBuilder config) {
        final ServerBuilder sb = Server.builder();
        sb.http(config.port);
        config.armeriaCustomizers.forEach(customizer -> customizer.accept(sb));
        final StackParams params = StackParams.empty()
                                              .with(CommonParams.SERVICE, service)
                                              .with(CommonParams.TICKER, config.ticker)
                                              .with(MeshTelemetry.KEY, config.telemetry);
        // Every route, whoever added it, passes the layers in the stack's request order.
        sb.decorator(stack.decorator(params));
        // By the time the listener closes, callers have stopped picking this instance (deregistered, drained):
        // a short quiet period lets the requests in flight finish, and no connection drain or boss-loop quiet
        // period is needed on top (Armeria's defaults would add 3 s to every stop).
        sb.gracefulShutdownTimeout(Duration.ofMillis(100), config.shutdownTimeout)
          .connectionDrainDuration(Duration.ZERO)
          .bossGroupFactory(BossGroups::newBossGroup);
        return sb.build();
    }

    /**
     * Starts serving, then registers. The future completes once the instance is registered; while the
     * registry is away it stays pending, the server serves anyway, and registration keeps trying.
     */
    public synchronized CompletableFuture<Void> start() {
        if (registrar != null) {
            throw new IllegalStateException(this + " is already started (expected: start once)");
        }
        server.start().join();
        if (admin != null) {
            admin.start();
            logger.info("{}/{}: admin endpoint (/metrics, /stacks) on port {}", service, instanceId, admin.port());
        }
        final int port = server.activeLocalPort(SessionProtocol.HTTP);
        final Registration registration = config.registration(port);
        registrar = new Registrar(registry, service, instanceId, registration, CommonPools.workerGroup());
        logger.info("{}/{}: serving on port {} through {}", service, instanceId, port, stack);
        return registrar.start().thenApply(index -> null);
    }

    /**
     * Deregisters, waits the drain period, lets requests in flight finish, and closes. Completes when the
     * listener is closed; calling it again returns the same future.
     */
    public synchronized CompletableFuture<Void> stop() {
        if (stopFuture != null) {
            return stopFuture;
        }
        final Registrar registrar = this.registrar;
        final CompletableFuture<Void> deregistered =
                registrar != null ? registrar.stop(DEREGISTER_TIMEOUT) : CompletableFuture.completedFuture(null);
        stopFuture = deregistered
                .thenCompose(unused -> {
                    logger.info("{}/{}: draining for {} ms before closing", service, instanceId,
                                config.drainPeriod.toMillis());
                    return CompletableFuture.runAsync(() -> { },
                            CompletableFuture.delayedExecutor(config.drainPeriod.toMillis(),
                                                              TimeUnit.MILLISECONDS));
                })
                .thenCompose(unused -> server.stop())
                // The admin endpoint last, so that metrics can be scraped while the server drains.
                .thenCompose(unused -> admin != null ? admin.stop() : CompletableFuture.completedFuture(null))
                .whenComplete((unused, cause) -> {
                    registryFactory.close();
                    logger.info("{}/{}: stopped", service, instanceId);
                })
                .thenApply(unused -> null);
        return stopFuture;
    }

    @Override
    public void close() {
        stop().join();
    }

    public ServiceName service() {
        return service;
    }

    public InstanceId instanceId() {
        return instanceId;
    }

    /**
     * The port the server listens on; the one the system chose when the builder asked for port 0.
     */
    public int port() {
        return server.activeLocalPort(SessionProtocol.HTTP);
    }

    /**
     * Whether the registry has this instance, as far as the last call to it said.
     */
    public synchronized boolean isRegistered() {
        return registrar != null && registrar.isRegistered();
    }

    /**
     * The admin endpoint, if the builder asked for one: add views to its {@code /stacks}, such as the stack of
     * the process's mesh client, with {@link AdminServer#show}.
     */
    public @Nullable AdminServer admin() {
        return admin;
    }

    public Stack<HttpService> stack() {
        return stack;
    }

    /**
     * The Armeria server underneath, for what mesh4j does not wrap.
     */
    public Server armeriaServer() {
        return server;
    }

    @Override
    public String toString() {
        return "MeshServer(" + service + '/' + instanceId + ", " + stack + ')';
    }
}
