package io.mesh4j.server;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import javax.net.ssl.X509ExtendedTrustManager;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.common.CommonPools;
import com.linecorp.armeria.common.util.SafeCloseable;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServerPort;

import io.mesh4j.core.admin.AdminServer;
import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.authz.DefaultPolicy;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.BossGroups;
import io.mesh4j.core.internal.identity.IdentityAccess;
import io.mesh4j.core.internal.identity.NoIssuerHints;
import io.mesh4j.core.internal.identity.RefusalLog;
import io.mesh4j.core.internal.identity.TlsConnections;
import io.mesh4j.core.internal.policy.PolicyRegistry;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.state.StateDir;
import io.mesh4j.core.internal.summary.SummaryReporter;
import io.mesh4j.core.internal.tcp.TcpMeters;
import io.mesh4j.core.internal.telemetry.TelemetryAccess;
import io.mesh4j.core.lifecycle.Lifecycle;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.stack.CommonParams;
import io.mesh4j.core.stack.Stack;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.server.internal.authz.AuthorizationTally;
import io.mesh4j.server.internal.authz.PolicyWatch;
import io.mesh4j.server.internal.authz.PushedPolicy;
import io.mesh4j.server.internal.grpc.GrpcMethods;
import io.mesh4j.server.internal.grpc.GrpcServing;
import io.mesh4j.server.internal.policy.ServerRoutes;
import io.mesh4j.server.internal.quota.QuotaLeaseKeeper;
import io.mesh4j.server.internal.registration.Registrar;
import io.mesh4j.server.internal.stack.ServicePass;
import io.mesh4j.server.internal.stack.UnmatchedService;
import io.mesh4j.server.internal.tcp.TcpAuthorization;
import io.mesh4j.server.internal.tcp.TcpInbound;
import io.mesh4j.server.internal.tcp.TcpListener;
import io.mesh4j.server.internal.websocket.WebSocketServing;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslProtocols;

/**
 * One instance of a service: an Armeria server whose every request passes the inbound {@link Stack}, and which
 * keeps itself registered while it serves.
 *
 * <pre>{@code
 * WorkloadIdentity identity = WorkloadIdentity.builder(registry, "orders")
 *         .joinTokenFile(tokenFile).trustBundleFile(bundleFile).build();
 * MeshServer server = MeshServer.builder("orders", registry)
 *         .identity(identity)
 *         .service("/orders/{id}", (ctx, req) -> HttpResponse.of("order " + ctx.pathParam("id")))
 *         .build();
 * server.start().join();   // certificate in, serving over mTLS, and registered
 * ...
 * server.stop().join();    // deregistered, drained, closed
 * }</pre>
 *
 * <p>Stopping is ordered so that no request is lost: deregister first, so that callers stop picking this
 * instance; wait the drain period, so that every caller's watch has heard it; then let the requests still in
 * flight finish before the listener closes. WebSocket endpoints refuse new upgrades (503) from the moment the stop
 * begins, and close their open connections with 1001 (going away) when the drain period ends, so that their callers
 * reconnect to an instance that stays. Stopping leaves the identity running, for a client of the same workload may
 * use it.
 */
public final class MeshServer implements Lifecycle<MeshServer> {

    private static final Logger logger = LoggerFactory.getLogger(MeshServer.class);

    /** How long deregistration may take before stop goes on without it. */
    private static final Duration DEREGISTER_TIMEOUT = Duration.ofSeconds(2);

    private final ServiceName service;
    private final InstanceId instanceId;
    private final Stack<HttpService> stack;
    private final @Nullable WorkloadIdentity identity;
    // Guarded by this: the golden-metric reporter this server uses from start() to stop().
    private SafeCloseable reporting = () -> {};
    private final RegistryClient registry;
    private final @Nullable ClientFactory plaintextRegistryFactory;
    private final MeshServerBuilder config;
    private final @Nullable AdminServer admin;
    private final @Nullable StateDir state;

    private final PushedPolicy pushedPolicy;
    private final AuthorizationTally authorizationCounts = new AuthorizationTally();
    private final PolicyWatch policyWatch;
    private final PolicyRegistry policyRegistry;
    private final @Nullable GrpcServing grpc;
    private final WebSocketServing webSockets;
    private final QuotaLeaseKeeper quotaLeases;

    private @Nullable Server server;
    private @Nullable TcpListener tcpListener;
    private @Nullable Registrar registrar;
    private @Nullable CompletableFuture<MeshServer> startFuture;
    private @Nullable Thread shutdownHook;
    private final CompletableFuture<Integer> serving = new CompletableFuture<>();
    private @Nullable CompletableFuture<Void> stopFuture;

    /** The stack parameters the server sets itself when it builds its stack. */
    static final Set<StackParams.Key<?>> PARAMS_SET_BY_THE_MESH = Set.of(
            CommonParams.SERVICE,
            CommonParams.TICKER,
            PushedPolicy.KEY,
            AuthorizationTally.KEY,
            ServerRoutes.KEY,
            QuotaLeaseKeeper.KEY,
            GrpcMethods.KEY,
            MeshTelemetry.KEY);

    MeshServer(MeshServerBuilder config) {
        this.config = config;
        service = config.service;
        instanceId = config.instanceId();
        stack = config.stack;
        identity = config.identity;
        if (identity != null) {
            plaintextRegistryFactory = null;
            registry = IdentityAccess.REGISTRY_CLIENT.get(identity);
        } else {
            plaintextRegistryFactory = ClientFactory.builder().build();
            registry = RegistryClient.of(config.registryUris, plaintextRegistryFactory);
        }
        state = StateDir.ofMember(config.stateDir, identity);
        pushedPolicy = new PushedPolicy(service, config.defaultPolicyUntilKnown);
        policyWatch = new PolicyWatch(registry, service, pushedPolicy, CommonPools.workerGroup(), state);
        // Watches nothing yet; with TLS each watch starts once the certificate is in, the only way the registry
        // answers it, though the service's is asked for when the Armeria server is built, before (start()).
        policyRegistry = PolicyRegistry.watching(
                registry,
                CommonPools.workerGroup(),
                identity != null ? identity::whenReady : () -> CompletableFuture.completedFuture(null));
        if (state != null) {
            policyRegistry.keepIn(state);
        }
        grpc = config.grpcServices.isEmpty() && config.grpcDefinitions.isEmpty()
                ? null
                : new GrpcServing(
                        config.grpcServices,
                        config.grpcDefinitions,
                        config.grpcHealth,
                        config.grpcReflection,
                        config.grpcMaxMessageBytes,
                        config.grpcOnEventLoop,
                        service.value(),
                        TelemetryAccess.METRICS.get(config.telemetry));
        webSockets = new WebSocketServing(service, TelemetryAccess.METRICS.get(config.telemetry));
        admin = config.adminPort < 0 ? null : admin(config).show(service + " inbound", this::describeStack);
        if (admin != null && state != null) {
            admin.healthDetail(state.status()::describe);
        }
        // Mesh-wide quotas: shares leased in the background, enforced by the RATE_LIMIT layer from local buckets.
        quotaLeases = new QuotaLeaseKeeper(
                registry,
                service,
                instanceId,
                () -> policyRegistry.routes(service).current(),
                config.declaredQuotas,
                CommonPools.workerGroup(),
                System::nanoTime,
                config.telemetry.meterRegistry());
        if (admin != null) {
            admin.healthDetail(quotaLeases::describe);
        }
    }

    private static AdminServer admin(MeshServerBuilder config) {
        final AdminServer.Builder admin = AdminServer.builder(config.telemetry).port(config.adminPort);
        if (config.adminAddress != null) {
            admin.address(config.adminAddress);
        }
        return admin.build();
    }

    /**
     * Returns a builder of an instance of {@code service} that registers with the registry at {@code registryUri}.
     *
     * @param service the service served, a DNS-1123 label such as {@code "orders"}
     * @param registryUri the registry, used by a plaintext server; with an identity, the identity's registry is used
     *     and this URI is ignored
     * @return a new builder
     * @throws IllegalArgumentException if {@code service} is not a valid service name
     */
    public static MeshServerBuilder builder(String service, URI registryUri) {
        return builder(service, List.of(requireNonNull(registryUri, "registryUri")));
    }

    /**
     * Returns a builder of an instance of {@code service} that registers with the registry replicas at
     * {@code registryUris} (replicas over one etcd): registration, heartbeats and watches go to the first until it
     * fails, then to the next.
     *
     * @param service the service served, a DNS-1123 label such as {@code "orders"}
     * @param registryUris the replicas, used by a plaintext server; with an identity, the identity's replicas are
     *     used and these are ignored
     * @return a new builder
     * @throws IllegalArgumentException if {@code service} is not a valid service name, or the list is empty,
     *     repeats an address, or holds one that is not {@code http://} or {@code https://}
     */
    public static MeshServerBuilder builder(String service, List<URI> registryUris) {
        return new MeshServerBuilder(ServiceName.of(service), RegistryClient.checkUris(registryUris));
    }

    /**
     * The whole inbound path, assembled in one place: the listener (TLS with the workload's certificate, callers
     * verified against the mesh's trust bundle), the user's routes, and the stack's layers around them.
     */
    private Server newArmeriaServer() {
        final ServerBuilder sb = Server.builder();
        if (identity != null) {
            final X509ExtendedTrustManager callers =
                    identity.trustManager(id -> id.service().isPresent(), "a workload of " + identity.trustDomain());
            // One TLS context for the listener's life, whose key manager presents the current certificate at each
            // handshake: a renewal reaches the next connection, and no connection ever waits for a context to be
            // built (Armeria's TlsProvider builds one, PKCS#12 key store and all, whenever none is held by an open
            // connection, which is at every first caller after an idle spell). Its certificate request names no
            // issuers, which the context would fix at the roots of its start, and a CA rotation would change.
            // TLS 1.3 only, as Linkerd's proxy: a context that lives as long as the listener would otherwise keep
            // TLS 1.2 sessions that a caller could resume, its certificate unchecked, after it was revoked.
            sb.https(config.port)
                    .tls(IdentityAccess.KEY_MANAGER.get(identity).factory())
                    .tlsCustomizer(tls -> tls.clientAuth(ClientAuth.REQUIRE)
                            .trustManager(new NoIssuerHints(callers))
                            .protocols(SslProtocols.TLS_v1_3));
            // A change of trust (a root retired, a caller revoked) closes the connections of callers it no longer
            // admits; new ones meet it in their handshake. Checked once per change, never per request.
            final TlsConnections connections = new TlsConnections(service + "/" + instanceId);
            sb.childChannelPipelineCustomizer(pipeline -> connections.track(pipeline.channel()));
            identity.onTrustChange(() -> connections.sweep(callers, true));
        } else {
            sb.http(config.port);
        }
        final GrpcMethods grpcMethods = GrpcMethods.of(config.grpcServices);
        final StackParams params = config.params
                .with(CommonParams.SERVICE, service)
                .with(CommonParams.TICKER, config.ticker)
                .with(PushedPolicy.KEY, pushedPolicy)
                .with(AuthorizationTally.KEY, authorizationCounts)
                .with(GrpcMethods.KEY, grpcMethods)
                .with(ServerRoutes.KEY, new ServerRoutes(policyRegistry.routes(service), grpcMethods))
                .with(QuotaLeaseKeeper.KEY, Optional.of(quotaLeases))
                .with(MeshTelemetry.KEY, config.telemetry);
        // Every route, whoever added it, passes the layers in the stack's request order: the built-in ones fused
        // into one pass per request. The mesh puts the stack in front of each service it binds, and of one that
        // answers what no route matched (Armeria's fallback, which only a route decorator reaches). A route
        // decorator would cost every request a route lookup (an ArrayDeque, a request attribute and a service frame,
        // ~700 bytes a request, issue 12): it is used only when an armeria(..) customizer may have bound routes of
        // its own, which the mesh cannot see.
        final Function<? super HttpService, ? extends HttpService> inbound =
                ServicePass.decorator(stack, params, params.get(CommonParams.CLASSIFIER));
        final Function<? super HttpService, ? extends HttpService> each =
                config.routesOfTheirOwn ? Function.identity() : inbound;
        if (grpc != null) {
            grpc.addTo(sb, each);
        }
        config.webSockets.forEach((path, handler) -> sb.service(path, each.apply(webSockets.service(path, handler))));
        config.armeriaCustomizers.forEach(customizer -> customizer.accept(sb, each));
        if (config.routesOfTheirOwn) {
            sb.decorator(inbound);
        } else {
            sb.service(UnmatchedService.ROUTE, inbound.apply(UnmatchedService.of()));
        }
        // By the time the listener closes, callers have stopped picking this instance (deregistered, drained):
        // a short quiet period lets the requests in flight finish, and no connection drain or boss-loop quiet
        // period is needed on top (Armeria's defaults would add 3 s to every stop).
        sb.gracefulShutdownTimeout(Duration.ofMillis(100), config.shutdownTimeout)
                .connectionDrainDuration(Duration.ZERO)
                .bossGroupFactory(BossGroups::newBossGroup);
        return identity != null ? IdentityAccess.KEY_MANAGER.get(identity).building(sb::build) : sb.build();
    }

    /**
     * Gets the workload's first certificate (with TLS), starts serving, then registers. The future completes
     * once the instance is registered. While the registry is away it stays pending: a server with its
     * certificate serves anyway, and registration keeps trying. Before serving it waits for the registry's first
     * answer on the service's access policy and route config (a failed answer counts: the annotations apply
     * until it answers). The Armeria server underneath is built while the certificate is on its way, and listens
     * only once it is in. With an admin port, the admin endpoint starts first, on the calling thread.
     *
     * @return a future that completes with this server once it serves and is registered, or exceptionally if it
     *     cannot get its certificate or listen
     * @throws IllegalStateException if the server was stopped
     */
    @Override
    public synchronized CompletableFuture<MeshServer> start() {
        if (stopFuture != null) {
            throw new IllegalStateException(this + " was stopped (expected: a new server from its builder)");
        }
        if (startFuture != null) {
            return startFuture;
        }
        if (identity == null) {
            logger.warn(
                    "{}/{}: serving WITHOUT TLS (plaintext): the mesh is not encrypting this service's "
                            + "traffic, and any caller can call it",
                    service,
                    instanceId);
        }
        if (admin != null) {
            // First, so that the process can be scraped while it waits for its certificate or the registry.
            admin.start();
            logger.info("{}/{}: admin endpoint (/metrics, /stacks) on port {}", service, instanceId, admin.port());
        }
        final CompletableFuture<?> certificate =
                identity != null ? identity.start() : CompletableFuture.completedFuture(null);
        if (identity != null) {
            // The edges this server serves go to the registry with its identity, every report interval.
            reporting = SummaryReporter.attach(
                    identity, TelemetryAccess.METRICS.get(config.telemetry).summaries());
        }
        // The Armeria server is built (its TLS context, its routes and the stack, most of Armeria's server side
        // loaded) on another thread while the certificate is on its way and the registry answers, not after: the
        // steps took turns before. Built is not bound: it listens only once the certificate is in (its context's
        // check at build presents a stand-in until then, see CurrentKeyManager.building).
        final CompletableFuture<@Nullable Server> built = config.tcpBackend != null
                ? CompletableFuture.completedFuture(null)
                : CompletableFuture.supplyAsync(this::newArmeriaServer, CommonPools.blockingTaskExecutor());
        // The access policy and route config the registry holds for this service apply from the first request.
        final CompletableFuture<Integer> listening = certificate.thenCompose(unused -> CompletableFuture.allOf(
                        policyWatch.start(), policyRegistry.routes(service).whenKnown(), built)
                .thenCompose(answered -> serve(built.join())));
        listening.whenComplete((port, cause) -> {
            if (cause != null) {
                // No certificate (or no listener): a server built for it is let go, its TLS context released.
                built.thenAccept(unserved -> {
                    if (unserved != null && unserved != serverOrNull()) {
                        unserved.closeAsync();
                    }
                });
                serving.completeExceptionally(cause);
            } else {
                quotaLeases.start();
                serving.complete(port);
            }
        });
        if (config.stopOnShutdown) {
            shutdownHook = new Thread(this::stopOnShutdown, "mesh4j-stop-" + service + '/' + instanceId);
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
        startFuture = listening.thenCompose(this::register).thenApply(unused -> this);
        return startFuture;
    }

    /**
     * Completes with the port once the server listens, which with TLS is after its first certificate, and
     * which may be before it is registered.
     *
     * @return the future of the listening port; it completes only once {@link #start()} was called
     */
    public CompletableFuture<Integer> whenServing() {
        return serving;
    }

    /** Starts {@code server}, built by {@link #newArmeriaServer()}; or, for a TCP service, its listener. */
    private synchronized CompletableFuture<Integer> serve(@Nullable Server server) {
        if (config.tcpBackend != null) {
            return serveTcp(config.tcpBackend);
        }
        requireNonNull(server, "server");
        this.server = server;
        return server.start().thenApply(unused -> {
            final int port = listeningPort(server);
            logger.info(
                    "{}/{}: serving on port {} ({}) through {}",
                    service,
                    instanceId,
                    port,
                    identity != null ? "mTLS as " + identity.id() : "plaintext",
                    stack);
            return port;
        });
    }

    /** A TCP service: the mTLS listener that authorizes each connection and pipes it to the backend. */
    private CompletableFuture<Integer> serveTcp(InetSocketAddress backend) {
        final WorkloadIdentity identity = requireNonNull(this.identity, "identity");
        final TcpMeters meters = new TcpMeters(config.telemetry.meterRegistry(), "server", service.value());
        final TcpAuthorization authorization = new TcpAuthorization(service, pushedPolicy);
        final RefusalLog refusals = new RefusalLog(service.value());
        final TcpListener listener = new TcpListener(
                service + "/" + instanceId,
                identity,
                config.maxConnections,
                config.tcpHandshakeTimeout,
                meters,
                () -> new TcpInbound(
                        backend,
                        config.tcpConnectTimeout,
                        config.tcpIdleTimeout,
                        authorization,
                        authorizationCounts,
                        meters,
                        refusals));
        tcpListener = listener;
        return listener.start(config.port).thenApply(port -> {
            logger.info(
                    "{}/{}: serving TCP on port {} (mTLS as {}), piped to {}",
                    service,
                    instanceId,
                    port,
                    identity.id(),
                    backend);
            return port;
        });
    }

    private synchronized CompletableFuture<Void> register(int port) {
        if (stopFuture != null) {
            return CompletableFuture.completedFuture(null);
        }
        final Registration registration = config.registration(port);
        final Registrar registrar =
                new Registrar(registry, service, instanceId, registration, CommonPools.workerGroup());
        this.registrar = registrar;
        return registrar.start().thenApply(index -> null);
    }

    /**
     * Deregisters, waits the drain period, lets requests in flight finish, and closes; a gRPC call still open when the
     * drain period is over (a stream) is ended with {@code UNAVAILABLE}, for its client to re-open it elsewhere,
     * rather than held until the shutdown timeout. Completes when the
     * listener is closed; calling it again returns the same future. Deregistering is given 2 seconds, then the
     * stop goes on without it (the instance's TTL removes it).
     *
     * @return a future that completes once the listener and the admin endpoint are closed
     */
    @Override
    public synchronized CompletableFuture<Void> stop() {
        if (stopFuture != null) {
            return stopFuture;
        }
        final @Nullable Thread hook = shutdownHook;
        if (hook != null && Thread.currentThread() != hook) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // The JVM is shutting down: the hook runs, or has run, and finds this stop under way.
            }
        }
        final Registrar registrar = this.registrar;
        if (grpc != null) {
            // Probes and health-checking balancers hear it first, before the registry's watchers do.
            grpc.draining();
        }
        // A caller that has not heard of the deregistration yet is told at once to connect elsewhere.
        webSockets.draining();
        reporting.close();
        policyWatch.close();
        policyRegistry.close();
        // The quota shares go to the instances that stay first, as callers move to them.
        final CompletableFuture<Void> deregistered = quotaLeases
                .close()
                .thenCompose(unused -> registrar != null
                        ? registrar.stop(DEREGISTER_TIMEOUT)
                        : CompletableFuture.completedFuture(null));
        stopFuture = deregistered
                .thenCompose(unused -> {
                    logger.info(
                            "{}/{}: draining for {} ms before closing",
                            service,
                            instanceId,
                            config.drainPeriod.toMillis());
                    return CompletableFuture.runAsync(
                            () -> {},
                            CompletableFuture.delayedExecutor(config.drainPeriod.toMillis(), TimeUnit.MILLISECONDS));
                })
                .thenCompose(unused -> {
                    // Callers have heard this instance leave: they reconnect to one that stays.
                    webSockets.goingAway();
                    if (grpc != null) {
                        final int ended = grpc.drained();
                        if (ended > 0) {
                            logger.info(
                                    "{}/{}: ended {} gRPC calls still open with UNAVAILABLE",
                                    service,
                                    instanceId,
                                    ended);
                        }
                    }
                    final @Nullable TcpListener tcp = tcpListenerOrNull();
                    if (tcp != null) {
                        return tcp.stop(config.shutdownTimeout);
                    }
                    final Server server = serverOrNull();
                    return server != null ? server.stop() : CompletableFuture.completedFuture(null);
                })
                // The admin endpoint last, so that metrics can be scraped while the server drains.
                .thenCompose(unused -> admin != null ? admin.stop() : CompletableFuture.completedFuture(null))
                .whenComplete((unused, cause) -> {
                    if (plaintextRegistryFactory != null) {
                        plaintextRegistryFactory.close();
                    }
                    if (state != null) {
                        state.flush(Duration.ofSeconds(2));
                    }
                    logger.info("{}/{}: stopped", service, instanceId);
                })
                .thenApply(unused -> null);
        return stopFuture;
    }

    /** The JVM is shutting down: deregister and drain as stop() does, bounded so that the JVM still exits. */
    private void stopOnShutdown() {
        logger.info("{}/{}: the JVM is shutting down: deregistering and draining", service, instanceId);
        try {
            stop().get(
                            config.drainPeriod
                                    .plus(config.shutdownTimeout)
                                    .plus(DEREGISTER_TIMEOUT)
                                    .toMillis(),
                            TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            logger.warn("{}/{}: did not stop cleanly on shutdown", service, instanceId, e);
        }
    }

    private synchronized @Nullable TcpListener tcpListenerOrNull() {
        return tcpListener;
    }

    private synchronized @Nullable Server serverOrNull() {
        return server;
    }

    /**
     * Returns the service this instance serves.
     *
     * @return the service name
     */
    public ServiceName service() {
        return service;
    }

    /** This instance's leased shares of its service's mesh-wide quotas: for tests. */
    QuotaLeaseKeeper quotaLeases() {
        return quotaLeases;
    }

    /**
     * Returns this instance's id in the registry.
     *
     * @return the builder's id, or the service name and a random suffix, such as {@code orders-1f2e3d4c}
     */
    public InstanceId instanceId() {
        return instanceId;
    }

    /**
     * Returns the port the server listens on; the one the system chose when the builder asked for port 0.
     *
     * @return the port
     * @throws IllegalStateException if the server is not listening (not yet, or no longer)
     */
    public int port() {
        final @Nullable TcpListener tcp = tcpListenerOrNull();
        if (tcp != null && tcp.port() > 0) {
            return tcp.port();
        }
        return listeningPort(started());
    }

    /**
     * Returns whether the registry has this instance, as far as the last call to it said.
     *
     * @return {@code true} once registered and while heartbeats are accepted
     */
    public synchronized boolean isRegistered() {
        return registrar != null && registrar.isRegistered();
    }

    /**
     * The admin endpoint, if the builder asked for one: add views to its {@code /stacks}, such as the stack of
     * the process's mesh client, with {@link AdminServer#show}.
     *
     * @return the admin endpoint; {@code null} without an admin port
     */
    public @Nullable AdminServer admin() {
        return admin;
    }

    /**
     * Returns the inbound stack every route passes.
     *
     * @return the stack the server was built with
     */
    public Stack<HttpService> stack() {
        return stack;
    }

    /**
     * Returns the whole inbound path as the admin endpoint's {@code /stacks} shows it; see
     * {@link ServerStacks#describe}.
     *
     * @return one line, such as {@code mTLS listener (caller's SPIFFE ID) -> per request: [TRACING + ... + DEADLINE]
     *     -> service}; for a TCP service, its listener, the authorization of each connection and the backend
     */
    public String describeStack() {
        if (config.tcpBackend != null) {
            return "mTLS listener (caller's SPIFFE ID) -> per connection: AUTHZ (rules without routes) -> pipe to "
                    + config.tcpBackend;
        }
        return ServerStacks.describe(stack, identity != null);
    }

    /**
     * Returns the Armeria server underneath, for what mesh4j does not wrap; there once {@link #start()} serves.
     *
     * @return the Armeria server
     * @throws IllegalStateException if {@link #start()} has not got as far as serving yet
     */
    public Server armeriaServer() {
        return started();
    }

    /**
     * Returns the access policy the registry pushed for this service, in force now.
     *
     * @return the policy; {@code null} when none, and the {@code @AllowCallers} annotations apply
     */
    public @Nullable AccessPolicy pushedPolicy() {
        return pushedPolicy.current().policy();
    }

    /**
     * Returns whether a request that no pushed rule covers and no {@code @AllowCallers} decides is allowed now:
     * by the service's own default if its policy has one, else by the mesh-wide default, else (before the registry
     * has answered) by {@link MeshServerBuilder#defaultPolicyUntilKnown}.
     *
     * @return {@link DefaultPolicy#ALLOW} or {@link DefaultPolicy#DENY}
     */
    public DefaultPolicy defaultPolicy() {
        return pushedPolicy.current().fallback().allows() ? DefaultPolicy.ALLOW : DefaultPolicy.DENY;
    }

    /**
     * Returns the route config the registry pushed for this service, in force now.
     *
     * @return the route config; {@link RouteConfig#EMPTY} when none
     */
    public RouteConfig routeConfig() {
        return policyRegistry.routes(service).current();
    }

    /**
     * Returns every authorization decision so far, by caller and outcome.
     *
     * @return the live counts
     */
    public AuthorizationCounts authorizationCounts() {
        return authorizationCounts;
    }

    /**
     * Says whether the server runs from its last-known-good state: from a restart with a
     * {@linkplain MeshServerBuilder#stateDir state directory} until the registry first answers.
     *
     * @return {@code running from last-known-good state of <time>}, or {@code null} when not
     */
    public @Nullable String lastKnownGood() {
        return state != null ? state.status().describe() : null;
    }

    /**
     * Returns the workload identity this server serves with.
     *
     * @return the identity; {@code null} when plaintext
     */
    public @Nullable WorkloadIdentity identity() {
        return identity;
    }

    private synchronized Server started() {
        if (server == null) {
            throw new IllegalStateException(this + " is not serving yet (expected: start() first)");
        }
        return server;
    }

    @Override
    public String toString() {
        return "MeshServer(" + service + '/' + instanceId + ", " + stack + ')';
    }

    /**
     * The port {@code server} listens on. Not Armeria's {@code activeLocalPort()}: it counts only ports bound to
     * loopback or every address, and a process bound to one address of its host (a pod's, a namespace's) has
     * neither.
     */
    private static int listeningPort(Server server) {
        final @Nullable ServerPort port = server.activePort();
        if (port == null) {
            throw new IllegalStateException("not listening");
        }
        return port.localAddress().getPort();
    }
}
