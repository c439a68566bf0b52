package io.mesh4j.core.internal.policy;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.util.SafeCloseable;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.DocumentWatch;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.RouteJson.RoutesSnapshot;
import io.mesh4j.core.internal.registry.WatchParams;
import io.mesh4j.core.internal.state.StateDir;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.stack.StackParams;

/**
 * The route configs in force in this process, one per service, as the registry pushes them. Layers read a
 * service's config per request from its {@link LiveRoutes}; a push replaces it whole, so a request sees the old
 * config or the new one, never a mix, and the next request sees the new one: no restart, no dropped request.
 *
 * <p>A service is watched from the first time it is asked for, once the registry can be asked (with TLS, once the
 * workload has its first certificate). While the registry is away, the config last received stays in force.
 */
public final class PolicyRegistry implements SafeCloseable {

    /** The stack parameter through which layers find the registry; an offline one unless set. */
    public static final StackParams.Key<PolicyRegistry> KEY =
            StackParams.Key.of("policyRegistry", PolicyRegistry::offline);

    private static final Logger logger = LoggerFactory.getLogger(PolicyRegistry.class);

    private final @Nullable RegistryClient registry;
    private final @Nullable ScheduledExecutorService scheduler;
    private final Supplier<? extends CompletableFuture<?>> ready;
    private final Map<ServiceName, LiveRoutes> services = new ConcurrentHashMap<>();
    private volatile @Nullable StateDir state;

    private PolicyRegistry(
            @Nullable RegistryClient registry,
            @Nullable ScheduledExecutorService scheduler,
            Supplier<? extends CompletableFuture<?>> ready) {
        this.registry = registry;
        this.scheduler = scheduler;
        this.ready = ready;
    }

    /**
     * A policy registry fed by {@code registry}'s watches, which start as soon as a service is asked for.
     */
    public static PolicyRegistry watching(RegistryClient registry, ScheduledExecutorService scheduler) {
        return watching(registry, scheduler, PolicyRegistry::atOnce);
    }

    /**
     * A policy registry fed by {@code registry}'s watches, each of which starts once the future {@code ready}
     * gives has completed (failed included), such as the workload's first certificate, without which a TLS
     * registry refuses the watch. {@code ready} is asked when a service is first asked for.
     */
    public static PolicyRegistry watching(
            RegistryClient registry,
            ScheduledExecutorService scheduler,
            Supplier<? extends CompletableFuture<?>> ready) {
        return new PolicyRegistry(
                requireNonNull(registry, "registry"),
                requireNonNull(scheduler, "scheduler"),
                requireNonNull(ready, "ready"));
    }

    /**
     * A policy registry that watches nothing: configs are only what {@link #replace} puts in force.
     */
    public static PolicyRegistry offline() {
        return new PolicyRegistry(null, null, PolicyRegistry::atOnce);
    }

    /**
     * Keeps every config the registry pushes in {@code state}, and starts each service from the one kept there
     * until the registry answers. Called before any service is asked for.
     */
    public PolicyRegistry keepIn(StateDir state) {
        this.state = requireNonNull(state, "state");
        return this;
    }

    /**
     * The live route config of {@code service}, watched from now on.
     */
    public LiveRoutes routes(ServiceName service) {
        requireNonNull(service, "service");
        final LiveRoutes existing = services.get(service);
        return existing != null ? existing : services.computeIfAbsent(service, this::startWatching);
    }

    /**
     * Puts {@code routes} in force for {@code service} until the registry pushes another.
     */
    public void replace(ServiceName service, RouteConfig routes) {
        routes(service).replace(routes, -1);
    }

    /**
     * The config in force for {@code service} now, without starting to watch it: {@link RouteConfig#EMPTY} for a
     * service not watched or not answered for yet.
     */
    public RouteConfig current(ServiceName service) {
        final LiveRoutes live = services.get(service);
        return live != null ? live.current() : RouteConfig.EMPTY;
    }

    /**
     * Every service watched, with its config in force, in name order; for the admin view.
     */
    public SortedMap<ServiceName, RouteConfig> snapshot() {
        final SortedMap<ServiceName, RouteConfig> snapshot = new TreeMap<>();
        services.forEach((service, live) -> snapshot.put(service, live.current()));
        return snapshot;
    }

    private static CompletableFuture<?> atOnce() {
        return CompletableFuture.completedFuture(null);
    }

    private LiveRoutes startWatching(ServiceName service) {
        final LiveRoutes live = new LiveRoutes(service);
        final RegistryClient registry = this.registry;
        final ScheduledExecutorService scheduler = this.scheduler;
        if (registry == null || scheduler == null) {
            live.firstAnswer.complete(null);
            return live;
        }
        final @Nullable StateDir state = this.state;
        if (state != null) {
            final StateDir.@Nullable Saved<RoutesSnapshot> saved = state.routes(service);
            if (saved != null) {
                final RouteConfig routes = saved.value().routes();
                live.replace(
                        routes != null ? routes : RouteConfig.EMPTY,
                        saved.value().index());
                state.status()
                        .restored(
                                "the route config of " + service + " (index "
                                        + saved.value().index() + ')',
                                saved.savedAt());
            }
        }
        final DocumentWatch<RoutesSnapshot> watch = new DocumentWatch<>(
                "the route config of " + service + " on " + registry.uri(),
                index -> index < 0
                        ? registry.routes(service)
                        : registry.watchRoutes(service, index, WatchParams.DEFAULT_WAIT),
                RoutesSnapshot::index,
                snapshot -> {
                    final RouteConfig routes = snapshot.routes();
                    live.replace(routes != null ? routes : RouteConfig.EMPTY, snapshot.index());
                    if (state != null) {
                        state.saveRoutes(service, snapshot);
                    }
                    if (routes != null) {
                        logger.info(
                                "{}: route config from the registry in force ({} rules, index {})",
                                service,
                                routes.rules().size(),
                                snapshot.index());
                    } else if (snapshot.index() > 0) {
                        logger.info("{}: no route config in the registry; annotations and defaults apply", service);
                    }
                },
                scheduler);
        live.watch = watch;
        // Not before the registry can answer: a watch sent earlier is refused, and says so in the log.
        CompletableFuture<?> readyFuture;
        try {
            readyFuture = ready.get();
        } catch (RuntimeException e) {
            readyFuture = CompletableFuture.failedFuture(e);
        }
        readyFuture.whenComplete((unusedValue, unusedCause) ->
                watch.start().whenComplete((unusedAnswer, cause) -> live.firstAnswer.complete(null)));
        return live;
    }

    @Override
    public void close() {
        services.values().forEach(LiveRoutes::close);
    }

    @Override
    public String toString() {
        return "PolicyRegistry(" + (registry != null ? registry.uri() : "offline") + ", services=" + services.keySet()
                + ')';
    }

    /**
     * One service's route config in force, read per request.
     */
    public static final class LiveRoutes {

        private final ServiceName service;
        private final CompletableFuture<Void> firstAnswer = new CompletableFuture<>();
        private volatile RouteConfig current = RouteConfig.EMPTY;
        private volatile long index = -1;
        private volatile @Nullable DocumentWatch<RoutesSnapshot> watch;

        LiveRoutes(ServiceName service) {
            this.service = service;
        }

        public ServiceName service() {
            return service;
        }

        /** The config in force now; {@link RouteConfig#EMPTY} while there is none. */
        public RouteConfig current() {
            return current;
        }

        /** The registry's index of the config in force; -1 when it did not come from the registry. */
        public long index() {
            return index;
        }

        /**
         * Completes once the registry has answered (or failed to) for the first time, so that a server can
         * apply its config from its first request on.
         */
        public CompletableFuture<Void> whenKnown() {
            return firstAnswer;
        }

        void replace(RouteConfig routes, long index) {
            current = requireNonNull(routes, "routes");
            this.index = index;
        }

        void close() {
            final DocumentWatch<RoutesSnapshot> watch = this.watch;
            if (watch != null) {
                watch.close();
            }
        }

        @Override
        public String toString() {
            return "LiveRoutes(" + service + ", " + current.rules().size() + " rules, index " + index + ')';
        }
    }
}
