package io.mesh4j.client;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Ticker;
import com.linecorp.armeria.client.AbstractClientOptionsBuilder;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.WebClientBuilder;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.client.websocket.WebSocketClient;
import com.linecorp.armeria.client.websocket.WebSocketClientBuilder;
import com.linecorp.armeria.common.CommonPools;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpHeadersBuilder;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.util.SafeCloseable;

import io.mesh4j.client.balancer.Balancer;
import io.mesh4j.client.balancer.BalancerFactory;
import io.mesh4j.client.balancer.EndpointAvailability;
import io.mesh4j.client.discovery.PeerTransport;
import io.mesh4j.client.internal.ClientAccess;
import io.mesh4j.client.internal.balancer.AttemptFeedback;
import io.mesh4j.client.internal.breaker.EndpointBreakers;
import io.mesh4j.client.internal.breaker.RoutedBreakerConfig;
import io.mesh4j.client.internal.deadline.DeadlineLayer;
import io.mesh4j.client.internal.discovery.DiscoveryChoice;
import io.mesh4j.client.internal.discovery.DiscoveryTelemetry;
import io.mesh4j.client.internal.discovery.EndpointWait;
import io.mesh4j.client.internal.discovery.RegistryEndpointGroup;
import io.mesh4j.client.internal.discovery.RegistryEndpointGroupBuilder;
import io.mesh4j.client.internal.grpc.GrpcStubs;
import io.mesh4j.client.internal.metrics.PickCounter;
import io.mesh4j.client.internal.retry.RetryBudget;
import io.mesh4j.client.internal.routing.Router;
import io.mesh4j.client.internal.routing.RoutingPreprocessor;
import io.mesh4j.client.internal.routing.ServiceEndpoints;
import io.mesh4j.client.internal.stack.ClientPass;
import io.mesh4j.client.internal.tcp.TcpForwarder;
import io.mesh4j.client.internal.tls.ServiceTls;
import io.mesh4j.client.internal.typed.TypedClients;
import io.mesh4j.client.internal.websocket.WebSocketConnector;
import io.mesh4j.client.policy.ClientPolicies;
import io.mesh4j.core.classify.ResponseClassifier;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.identity.IdentityAccess;
import io.mesh4j.core.internal.identity.TlsConnections;
import io.mesh4j.core.internal.policy.PolicyRegistry;
import io.mesh4j.core.internal.registry.InstancesSnapshot;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.stack.Passes;
import io.mesh4j.core.internal.state.StateDir;
import io.mesh4j.core.internal.summary.Summaries;
import io.mesh4j.core.internal.summary.SummaryReporter;
import io.mesh4j.core.internal.tcp.TcpMeters;
import io.mesh4j.core.internal.telemetry.MeshMetrics;
import io.mesh4j.core.internal.telemetry.TelemetryAccess;
import io.mesh4j.core.lifecycle.Lifecycle;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.Subset;
import io.mesh4j.core.stack.ClientRoles;
import io.mesh4j.core.stack.CommonParams;
import io.mesh4j.core.stack.Stack;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;

/**
 * The outbound side of the mesh: a client for a service name, whose calls go through the outbound
 * {@link Stack} to an endpoint the balancer picks among the instances the registry knows.
 *
 * <pre>{@code
 * MeshClient mesh = MeshClient.builder(URI.create("https://registry:7070")).identity(identity).build();
 * WebClient orders = mesh.webClient("orders");
 * AggregatedHttpResponse res = orders.get("/orders/42").aggregate().join();
 * }</pre>
 *
 * <p>Clients are made once per service and shared: ask for the same service again and you get the same
 * client. Close the mesh client to stop watching the registry and close its connections.
 *
 * <p>Without an {@linkplain MeshClientBuilder#identity(WorkloadIdentity) identity} the client calls in plaintext,
 * and logs a warning saying so.
 */
public final class MeshClient implements Lifecycle<MeshClient> {

    private static final Logger logger = LoggerFactory.getLogger(MeshClient.class);

    /** How long a WebSocket connect waits for the service's first instance: a TCP forward's default connect timeout. */
    private static final Duration TCP_CONNECT_TIMEOUT =
            TcpForwardConfig.ofDefaults().connectTimeout();

    private final RegistryClient registry;
    private final ClientFactory factory;
    private final boolean ownsFactory;
    private final Stack<HttpClient> stack;
    private final BalancerFactory balancers;
    private final ClientPolicies policies;
    private final StackParams userParams;
    private final ResponseClassifier classifier;
    private final Ticker ticker;
    private final Clock clock;
    private final Duration watchWait;
    private final Duration webSocketPingInterval;
    private final @Nullable WorkloadIdentity identity;
    private final @Nullable ServiceTls tls;
    private final PolicyRegistry routes;
    private final @Nullable String zone;
    private final MeshTelemetry telemetry;
    private final Map<ServiceName, DiscoveryChoice> discoveries;
    private final @Nullable StateDir state;
    private final Map<ServiceName, ServiceClient> clients = new ConcurrentHashMap<>();
    /** The service this client calls from, its identity's, which its edges' summaries name as the caller. */
    private final String caller;

    private final SafeCloseable reporting;
    private final Set<TcpForward> tcpForwards = ConcurrentHashMap.newKeySet();
    private @Nullable CompletableFuture<MeshClient> started;
    private volatile boolean stopped;
    private @Nullable CompletableFuture<Void> stopFuture;

    /** The stack parameters the client sets itself when it builds a service's stack. */
    static final Set<StackParams.Key<?>> PARAMS_SET_BY_THE_MESH = Set.of(
            CommonParams.SERVICE,
            CommonParams.TICKER,
            CommonParams.CLASSIFIER,
            ClientPolicies.KEY,
            PolicyRegistry.KEY,
            MeshTelemetry.KEY,
            EndpointAvailability.KEY,
            EndpointBreakers.KEY,
            Router.KEY,
            RetryBudget.KEY,
            DiscoveryChoice.MESH_MEMBER);

    static {
        ClientAccess.INTERNALS.install(client -> new ClientAccess.Internals(
                client.registry,
                client.routes,
                service -> Optional.ofNullable(client.clients.get(service)).map(c -> c.endpoints)));
    }

    MeshClient(MeshClientBuilder b, ClientFactory factory, boolean ownsFactory, @Nullable TlsConnections connections) {
        this.factory = factory;
        this.ownsFactory = ownsFactory;
        identity = b.identity;
        if (identity != null) {
            registry = IdentityAccess.REGISTRY_CLIENT.get(identity);
        } else {
            registry = RegistryClient.of(b.registryUris, factory);
            logger.warn("calling WITHOUT TLS (plaintext): the mesh is not encrypting this client's calls, and it "
                    + "cannot tell a real instance from an impostor");
        }
        stack = b.stack;
        balancers = b.balancer;
        // The builder's policies are copied: the policies of a built client change through policies(), never
        // through its builder.
        policies = ClientPolicies.of(b.defaultPolicy);
        b.servicePolicies.forEach(policies::replace);
        userParams = b.params;
        classifier = b.classifier;
        ticker = b.ticker;
        clock = b.clock;
        watchWait = b.watchWait;
        webSocketPingInterval = b.webSocketPingInterval;
        telemetry = b.telemetry;
        zone = b.zone;
        discoveries = Map.copyOf(b.discoveries);
        tls = identity != null ? new ServiceTls(identity, connections) : null;
        // Route configs are watched from the first call to a service, as its instances are, and like them not
        // before the workload has the certificate a TLS registry asks for.
        final @Nullable WorkloadIdentity certified = identity;
        routes = certified != null
                ? PolicyRegistry.watching(registry, CommonPools.workerGroup(), certified::start)
                : PolicyRegistry.watching(registry, CommonPools.workerGroup());
        caller = certified != null
                ? certified.id().service().map(ServiceName::value).orElse(MeshMetrics.UNKNOWN)
                : MeshMetrics.UNKNOWN;
        // The edges this client calls go to the registry with its identity; without one there is nobody to report as.
        reporting = certified != null
                ? SummaryReporter.attach(
                        certified, TelemetryAccess.METRICS.get(telemetry).summaries())
                : () -> {};
        state = StateDir.ofMember(b.stateDir, identity);
        if (state != null) {
            routes.keepIn(state);
        }
    }

    /**
     * Returns a builder of a client that discovers services with the registry at {@code registryUri}.
     *
     * @param registryUri the registry, used by a plaintext client; with an identity, the identity's registry is used
     *     and this URI is ignored
     * @return a new builder
     */
    public static MeshClientBuilder builder(URI registryUri) {
        return builder(List.of(requireNonNull(registryUri, "registryUri")));
    }

    /**
     * Returns a builder of a client that discovers services with the registry replicas at {@code registryUris}
     * (replicas over one etcd): it talks to the first until it fails, then to the next, and its watches resume
     * there by their index.
     *
     * @param registryUris the replicas, used by a plaintext client; with an identity, the identity's replicas are
     *     used and these are ignored
     * @return a new builder
     * @throws IllegalArgumentException if the list is empty, repeats an address, or holds one that is not
     *     {@code http://} or {@code https://}
     */
    public static MeshClientBuilder builder(List<URI> registryUris) {
        return new MeshClientBuilder(RegistryClient.checkUris(registryUris));
    }

    /**
     * Returns the client of {@code service}, such as {@code "orders"}: paths are relative, {@code get("/orders/42")}.
     * The first time a service is asked for, its client is made and starts watching the service's instances and
     * route config.
     *
     * @param service a service name
     * @return the service's client, the same one every time
     * @throws IllegalArgumentException if {@code service} is not a valid service name
     * @throws IllegalStateException if this client was stopped
     */
    public WebClient webClient(String service) {
        return webClient(ServiceName.of(service));
    }

    /**
     * Returns the client of {@code service}; see {@link #webClient(String)}.
     *
     * @param service the service
     * @return the service's client, the same one every time
     * @throws IllegalStateException if this client was stopped
     */
    public WebClient webClient(ServiceName service) {
        return serviceClient(service).webClient;
    }

    /**
     * The endpoints of {@code service} known now, ejected ones included; empty for a service this client has not
     * been asked for a client of. Asking does not start watching the service: {@link #webClient} does.
     *
     * @param service the service
     * @return the endpoints, possibly empty
     */
    public List<Endpoint> endpoints(ServiceName service) {
        final @Nullable ServiceClient client = clients.get(requireNonNull(service, "service"));
        return client != null ? client.endpoints.discovered().endpoints() : List.of();
    }

    /**
     * The endpoints of {@code service} whose breaker is open now, so that no call goes to them; empty for a
     * service this client does not call.
     *
     * @param service the service
     * @return the ejected endpoints, possibly empty
     */
    public Set<Endpoint> ejected(ServiceName service) {
        final @Nullable ServiceClient client = clients.get(requireNonNull(service, "service"));
        return client != null ? client.endpoints.breakers().ejected() : Set.of();
    }

    /**
     * Returns the services this client has called (or been asked for a client of), in name order.
     *
     * @return a new sorted set
     */
    public SortedSet<ServiceName> services() {
        return new TreeSet<>(clients.keySet());
    }

    /**
     * The route config in force for calls to {@code service}: the registry's, once it has answered for a
     * service this client calls; {@link RouteConfig#EMPTY} otherwise. Asking does not start watching it.
     *
     * @param service the service
     * @return the route config in force now
     */
    public RouteConfig routeConfig(ServiceName service) {
        return routes.current(requireNonNull(service, "service"));
    }

    /**
     * Returns the policies the stack reads per call; replace one to change a service's timeouts or retries live.
     *
     * <pre>{@code
     * mesh.policies().replace(ServiceName.of("orders"),
     *         ClientPolicy.builder().timeout(Duration.ofSeconds(1)).build());
     * }</pre>
     *
     * @return this client's policies, a copy of its builder's
     */
    public ClientPolicies policies() {
        return policies;
    }

    /**
     * Returns the stack every service client is built with.
     *
     * @return the stack, such as {@code Stack[TRACING -> METRICS -> ... -> BREAKER]}
     */
    public Stack<HttpClient> stack() {
        return stack;
    }

    /**
     * Returns the telemetry the client's spans and metrics go to.
     *
     * @return the builder's telemetry, or {@link MeshTelemetry#shared()}
     */
    public MeshTelemetry telemetry() {
        return telemetry;
    }

    /**
     * The whole outbound path as the admin endpoint's {@code /stacks} shows it: the per-call layers, the per-attempt
     * ones, and what runs below them for every attempt (the balancer's load feedback, TLS); see
     * {@link ClientStacks#describe}.
     *
     * @return one line, such as {@code per call: [TRACING + ... + DEADLINE] -> HEDGE -> RETRY | per attempt: [BREAKER + LOAD_FEEDBACK] -> mTLS (server's SPIFFE ID checked)}
     */
    public String describeStack() {
        return ClientStacks.describe(stack, identity != null);
    }

    /**
     * Returns the registry this client discovers services with: of several replicas, the one it talks to now.
     *
     * @return the registry's URI
     */
    public URI registryUri() {
        return registry.uri();
    }

    /**
     * Returns every registry replica this client may talk to, in the order given.
     *
     * @return the replicas' URIs
     */
    public List<URI> registryUris() {
        return registry.uris();
    }

    private ServiceClient serviceClient(ServiceName service) {
        requireNonNull(service, "service");
        if (stopped) {
            throw new IllegalStateException(this + " was stopped (expected: a new client from its builder)");
        }
        final ServiceClient client = clients.computeIfAbsent(service, this::connect);
        if (stopped) {
            // stop() ran while this client was being made, after it closed the others: close this one too, so
            // that no watch outlives the mesh client.
            client.endpoints.close();
            throw new IllegalStateException(this + " was stopped (expected: a new client from its builder)");
        }
        return client;
    }

    /**
     * The whole outbound path of one service, assembled in one place: discovery, ejection, subsets and zones,
     * balancing, routing, the stack, and TLS.
     */
    private ServiceClient connect(ServiceName service) {
        final StackParams params = userParams
                .with(CommonParams.SERVICE, service)
                .with(CommonParams.TICKER, ticker)
                .with(CommonParams.CLASSIFIER, classifier)
                .with(ClientPolicies.KEY, policies)
                .with(PolicyRegistry.KEY, routes)
                .with(MeshTelemetry.KEY, telemetry)
                .with(Summaries.CALLER, caller);
        final MeshMetrics metrics = TelemetryAccess.METRICS.get(telemetry);
        // Who is there: by default the registry's instances of the service, kept current by a long-poll watch, from
        // the moment this workload has the certificate a TLS registry asks for; else what the service's discovery
        // backend (static, DNS, Kubernetes...) reports. Nothing below tells them apart.
        final DiscoveryChoice choice = discoveries.getOrDefault(service, DiscoveryChoice.REGISTRY);
        final EndpointGroup discovered;
        final Supplier<String> whyNoEndpoint;
        if (choice.isRegistry()) {
            final RegistryEndpointGroupBuilder watch = RegistryEndpointGroup.builder(registry, service)
                    .wait(watchWait)
                    .startAfter(identity != null ? identity.start() : CompletableFuture.completedFuture(null));
            if (state != null) {
                // Kept on disk as heard, and where a restart during a registry outage starts from.
                keepEndpoints(watch, service, state);
            }
            final RegistryEndpointGroup watched = watch.build();
            discovered = watched;
            whyNoEndpoint = watched::whyNoEndpoint;
        } else {
            discovered = choice.discovery().newEndpointGroup(service);
            whyNoEndpoint = () -> "the discovery backend " + choice.discovery() + " has no endpoint of " + service
                    + (discovered.whenReady().isDone() ? "" : " yet");
        }
        DiscoveryTelemetry.register(telemetry, service, choice, discovered);
        final boolean member = choice.transport().isMeshMember();
        final SessionProtocol protocol = protocolOf(choice);
        // Who is healthy: the same, minus the endpoints whose breaker is open, by the route config's outlier
        // thresholds when it sets them, else the client's.
        final EndpointBreakers breakers = EndpointBreakers.of(
                service,
                new RoutedBreakerConfig(() -> policies.policyFor(service).breaker(), routes.routes(service)),
                clock);
        breakers.onTransition((endpoint, from, to) -> metrics.breakerTransition(
                caller, service.value(), PickCounter.nameOf(endpoint), from.name(), to.name()));
        // Who gets the next attempt: the balancer's pick among the healthy ones, passing over any whose breaker
        // has no trial call to spare.
        final Balancer balancer = balancers.newBalancer(params.with(EndpointAvailability.KEY, breakers::isAvailable));
        // Which of them a call may go to: the subset its route chose, in this client's zone while it can; and when
        // there is none yet, how long the call waits for one (no longer than its timeout) and what it is told.
        final ServiceEndpoints endpoints = new ServiceEndpoints(
                service,
                discovered,
                breakers,
                new EndpointWait(
                        PickCounter.counting(balancer.selectionStrategy(), service.value(), metrics),
                        service,
                        ctx -> DeadlineLayer.timeoutOf(ctx, service, policies),
                        ctx -> policies.policyFor(service).timeout(),
                        ticker,
                        whyNoEndpoint),
                zone);
        // Where each call goes, decided once per call from the live route config.
        final Router router = new Router(service, routes, other -> serviceClient(other).endpoints);

        // The balancer learns each attempt's latency and outcome: in the per-attempt pass, beside BREAKER, when it
        // can; as a decorator of its own otherwise.
        final List<Passes.Fused<ClientRequestContext>> belowStack = balancer instanceof AttemptFeedback learning
                ? List.of(new Passes.Fused<>(AttemptFeedback.ROLE, learning.feedback()))
                : List.of();
        final StackParams stackParams = params.with(EndpointBreakers.KEY, breakers)
                .with(DiscoveryChoice.MESH_MEMBER, member)
                // RETRY requeues an attempt never sent only while another endpoint would take it.
                .with(EndpointAvailability.KEY, breakers::isAvailable)
                .with(Router.KEY, router)
                .with(
                        RetryBudget.KEY,
                        // Follows the live policy: a replaced policy's budget values apply from the next request,
                        // its counts kept.
                        RetryBudget.of(() -> policies.policyFor(service).retry(), ticker));
        final Function<? super HttpClient, ? extends HttpClient> layers =
                ClientPass.decorator(stack, stackParams, classifier, belowStack);
        // What every client of the service shares, its WebClient and its gRPC stubs alike: one stack (one set of
        // breakers, one budget, one router) over one endpoint group.
        final Consumer<AbstractClientOptionsBuilder> common = builder -> {
            builder.factory(factory)
                    // The DEADLINE layer sets every call's timeout; none here lets it tell a timeout the
                    // caller set on a request from no timeout at all.
                    .responseTimeoutMillis(0);
            if (stack.contains(ClientRoles.ROUTING)) {
                // Armeria picks a call's first endpoint before any layer runs: the subset must be chosen first.
                builder.preprocessor(new RoutingPreprocessor(router));
            }
            if (tls != null && member) {
                // Innermost: every attempt presents this workload's certificate and checks the server's SPIFFE ID.
                // A service outside the mesh has no SPIFFE ID to check: it goes as plain TLS or plaintext, as chosen.
                builder.decorator(transport -> tls.decorate(transport, service));
            }
            if (belowStack.isEmpty()) {
                builder.decorator(balancer::observe);
            }
            // Then the layers in request order: a pass per run of built-in layers (per call, then per attempt).
            builder.decorator(layers);
        };
        final WebClientBuilder builder = WebClient.builder(protocol, endpoints.group(Subset.ALL));
        common.accept(builder);
        return new ServiceClient(builder.build(), endpoints, common, protocol);
    }

    /**
     * Starts the service from the endpoints of the state directory, if it has them, and keeps the registry's answers
     * there: a client restarted while the registry cannot be reached still calls.
     */
    private static void keepEndpoints(RegistryEndpointGroupBuilder discovery, ServiceName service, StateDir state) {
        final StateDir.@Nullable Saved<InstancesSnapshot> saved = state.endpoints(service);
        if (saved != null) {
            discovery.lastKnown(saved.value().instances());
            state.status().restored(saved.value().instances().size() + " endpoints of " + service, saved.savedAt());
        }
        // The first answer is written whatever it says (it tells the state the registry answers), the next ones when
        // they change something: a watch that waited its time out answers the same index again.
        final AtomicLong written = new AtomicLong(-1);
        discovery.onAnswer(snapshot -> {
            if (written.getAndSet(snapshot.index()) != snapshot.index()) {
                state.saveEndpoints(service, snapshot);
            }
        });
    }

    /** HTTPS with the mesh's mTLS, or HTTP (h2c for gRPC) for a plaintext client. */
    private SessionProtocol protocol() {
        return identity != null ? SessionProtocol.HTTPS : SessionProtocol.HTTP;
    }

    /** A member's: the mesh's; a service outside the mesh: as its transport says, TLS or plaintext. */
    private SessionProtocol protocolOf(DiscoveryChoice choice) {
        if (choice.transport().isMeshMember()) {
            return protocol();
        }
        return choice.transport() == PeerTransport.TLS ? SessionProtocol.HTTPS : SessionProtocol.HTTP;
    }

    /**
     * A gRPC stub of {@code service}, such as {@code mesh.grpcClient("orders", OrdersGrpc.OrdersBlockingStub.class)}:
     * blocking, future and async stubs made by protoc-gen-grpc-java, built with Armeria's {@code GrpcClients} on the
     * same stack and endpoints as {@link #webClient(String)}: discovery, balancing, mTLS checking the server's SPIFFE
     * ID, route configs, overrides and splits, breakers, the retry budget and telemetry.
     *
     * <p>A gRPC method is a route, {@code /pkg.Service/Method}, which route configs and telemetry name. The call's
     * timeout travels as {@code grpc-timeout}; a stub deadline bounds the call too, as does the route's or policy's
     * timeout, whichever is sooner. A streaming call has no mesh timeout unless one is set for it (its route's, the
     * policy's {@code streamTimeout}); a call the mesh's timeout ends is {@code DEADLINE_EXCEEDED}. A unary call is
     * retried within the budget on {@code UNAVAILABLE} (and on the statuses its route's {@code retry.on} names), and
     * hedged where its route says so; a streaming call goes as one attempt, streamed through. See the README's gRPC section and {@code docs/traffic-policy.md}.
     *
     * <pre>{@code
     * OrdersGrpc.OrdersBlockingStub orders = mesh.grpcClient("orders", OrdersGrpc.OrdersBlockingStub.class);
     * Order order = orders.withDeadlineAfter(2, TimeUnit.SECONDS).getOrder(OrderRequest.newBuilder().setId("42").build());
     * }</pre>
     *
     * @param <T> the stub's type
     * @param service a service name
     * @param stubType a stub class, such as {@code OrdersGrpc.OrdersBlockingStub}, {@code OrdersGrpc.OrdersFutureStub}
     *     or {@code OrdersGrpc.OrdersStub}
     * @return the service's stub of that type, the same one every time
     * @throws IllegalArgumentException if {@code service} is not a valid service name, or Armeria cannot make a stub
     *     of {@code stubType}
     * @throws IllegalStateException if this client was stopped
     */
    public <T> T grpcClient(String service, Class<T> stubType) {
        return grpcClient(ServiceName.of(service), stubType);
    }

    /**
     * A gRPC stub of {@code service}; see {@link #grpcClient(String, Class)}.
     *
     * @param <T> the stub's type
     * @param service the service
     * @param stubType a stub class, such as {@code OrdersGrpc.OrdersBlockingStub}
     * @return the service's stub of that type, the same one every time
     * @throws IllegalArgumentException if Armeria cannot make a stub of {@code stubType}
     * @throws IllegalStateException if this client was stopped
     */
    public <T> T grpcClient(ServiceName service, Class<T> stubType) {
        requireNonNull(stubType, "stubType");
        final ServiceClient client = serviceClient(service);
        return stubType.cast(client.grpcStubs.computeIfAbsent(
                stubType,
                type -> GrpcStubs.newStub(
                        type,
                        client.protocol,
                        client.endpoints.group(Subset.ALL),
                        client.common,
                        service.value(),
                        TelemetryAccess.METRICS.get(telemetry))));
    }

    /**
     * A typed client of the service {@code iface} names with {@link io.mesh4j.core.annotation.ServiceClient}; its
     * methods' policy annotations apply under the registry's route config. Each method maps one call: Armeria's
     * {@code @Get}, {@code @Post}... give its method and path, {@code @Param} and {@code @Header} its arguments,
     * and the one argument without an annotation is the JSON body. A method returns the decoded JSON answer,
     * a {@code String}, {@code void}, the {@code AggregatedHttpResponse} itself, or a {@code CompletableFuture} of
     * one of these; an answer other than 2xx is a {@link io.mesh4j.client.typed.MeshCallException}, a call the mesh
     * gave up on without an answer a {@link io.mesh4j.client.typed.MeshUnavailableException}, unless the method has a
     * fallback ({@link io.mesh4j.core.annotation.Fallback}, or the class {@code @ServiceClient(fallback = ...)}
     * names, made with its constructor without parameters).
     *
     * <pre>{@code
     * OrdersClient orders = mesh.client(OrdersClient.class);
     * Order order = orders.order("42");
     * }</pre>
     *
     * @param <T> the interface
     * @param iface an interface annotated with {@code @ServiceClient("orders")}
     * @return a proxy of {@code iface} whose calls go through the mesh
     * @throws IllegalArgumentException naming the interface or method that is wrong, and how
     * @throws IllegalStateException if this client was stopped
     */
    public <T> T client(Class<T> iface) {
        return TypedClients.create(iface, this::webClient);
    }

    /**
     * A typed client, as {@link #client(Class)}, whose methods without a {@link io.mesh4j.core.annotation.Fallback}
     * of their own are answered by {@code fallback}'s when the mesh gives up on a call: no endpoint, every breaker
     * open, the deadline passed, no instance reachable, or a 5xx answer once retries are spent.
     *
     * @param <T> the interface
     * @param iface an interface annotated with {@code @ServiceClient("orders")}
     * @param fallback what answers instead, such as cached or default values
     * @return a proxy of {@code iface} whose calls go through the mesh
     * @throws IllegalArgumentException naming the interface or method that is wrong, and how
     * @throws IllegalStateException if this client was stopped
     */
    public <T> T client(Class<T> iface, T fallback) {
        return TypedClients.create(iface, this::webClient, requireNonNull(fallback, "fallback"));
    }

    /**
     * Opens a loopback port whose connections go to an instance of the TCP service {@code service} (one served with
     * {@code MeshServerBuilder.tcp(..)}), over mTLS; see {@link TcpForward}. The port is any free one, and the
     * timeouts those of {@link TcpForwardConfig#ofDefaults()}.
     *
     * <pre>{@code
     * TcpForward redis = mesh.tcpForward("redis");
     * Jedis jedis = new Jedis(redis.address().getHostString(), redis.address().getPort());
     * }</pre>
     *
     * @param service a service name, such as {@code "redis"}
     * @return a forward that listens now; close it, or this client, to stop it
     * @throws IllegalStateException without an identity, or if this client was stopped
     */
    public TcpForward tcpForward(String service) {
        return tcpForward(service, TcpForwardConfig.ofDefaults());
    }

    /**
     * Opens a loopback port {@code port} whose connections go to an instance of the TCP service {@code service};
     * see {@link #tcpForward(String)}.
     *
     * @param service a service name, such as {@code "redis"}
     * @param port 0 to 65535, 0 for any free one
     * @return a forward that listens now
     * @throws IllegalArgumentException if {@code port} is out of range
     * @throws IllegalStateException without an identity, or if this client was stopped
     */
    public TcpForward tcpForward(String service, int port) {
        return tcpForward(service, TcpForwardConfig.builder().port(port).build());
    }

    /**
     * Opens a loopback port whose connections go to an instance of the TCP service {@code service}, with the port
     * and timeouts of {@code config}; see {@link #tcpForward(String)}.
     *
     * <pre>{@code
     * TcpForward redis = mesh.tcpForward("redis", TcpForwardConfig.builder()
     *         .port(6380)
     *         .connectTimeout(Duration.ofSeconds(1))
     *         .idleTimeout(Duration.ofMinutes(10))
     *         .build());
     * }</pre>
     *
     * @param service a service name, such as {@code "redis"}
     * @param config the port, connect timeout and idle timeout
     * @return a forward that listens now
     * @throws IllegalStateException without an identity, or if this client was stopped
     */
    public TcpForward tcpForward(String service, TcpForwardConfig config) {
        final ServiceName name = ServiceName.of(service);
        requireNonNull(config, "config");
        final @Nullable WorkloadIdentity certified = identity;
        if (certified == null) {
            throw new IllegalStateException("tcpForward(..) needs the client's identity: a TCP service admits "
                    + "callers by their certificate (expected: MeshClientBuilder.identity(..))");
        }
        // The same discovery, breakers and zone preference as the service's calls.
        final ServiceEndpoints endpoints = serviceClient(name).endpoints;
        final TcpForward forward = new TcpForwarder(
                name,
                certified,
                endpoints.group(Subset.ALL),
                endpoints.breakers(),
                ticker,
                config,
                new TcpMeters(telemetry.meterRegistry(), "client", name.value()),
                tcpForwards::remove);
        tcpForwards.add(forward);
        return forward;
    }

    /**
     * Returns the WebSocket client of {@code service}, such as {@code "chat"}, one served with
     * {@code MeshServerBuilder.webSocket(..)}: each connection goes to the instance with fewer open connections of two
     * picked among the healthy ones, over mTLS checking the server's SPIFFE ID, and is pinged when idle; see
     * {@link MeshWebSocketClient}. Route configs (overrides, splits, timeouts, retries) do not apply to it: a
     * connection is balanced once, when it opens.
     *
     * <pre>{@code
     * MeshWebSocket socket = mesh.webSocketClient("chat").connect("/echo").join();
     * socket.outbound().write("hello");
     * }</pre>
     *
     * @param service a service name
     * @return the service's WebSocket client, the same one every time
     * @throws IllegalArgumentException if {@code service} is not a valid service name
     * @throws IllegalStateException if this client was stopped
     */
    public MeshWebSocketClient webSocketClient(String service) {
        return webSocketClient(ServiceName.of(service));
    }

    /**
     * Returns the WebSocket client of {@code service}; see {@link #webSocketClient(String)}.
     *
     * @param service the service
     * @return the service's WebSocket client, the same one every time
     * @throws IllegalStateException if this client was stopped
     */
    public MeshWebSocketClient webSocketClient(ServiceName service) {
        final ServiceClient client = serviceClient(service);
        return client.webSockets.updateAndGet(existing -> existing != null
                ? existing
                : new WebSocketConnector(
                        service,
                        // The same discovery, breakers and zone preference as the service's calls.
                        client.endpoints.group(Subset.ALL),
                        client.endpoints.breakers(),
                        ticker,
                        endpoint -> webSocketClientOf(service, endpoint),
                        this::traceHeaders,
                        webSocketPingInterval,
                        TCP_CONNECT_TIMEOUT,
                        telemetry));
    }

    /**
     * The transport of one WebSocket connection: the mesh's factory, and its mTLS checking the server's ID; for a
     * service outside the mesh, TLS or plaintext as its transport says, as its calls.
     */
    private WebSocketClient webSocketClientOf(ServiceName service, Endpoint endpoint) {
        final DiscoveryChoice choice = discoveries.getOrDefault(service, DiscoveryChoice.REGISTRY);
        final WebSocketClientBuilder builder =
                WebSocketClient.builder(protocolOf(choice), endpoint).factory(factory);
        final @Nullable ServiceTls tls = this.tls;
        if (tls != null && choice.transport().isMeshMember()) {
            builder.decorator(transport -> tls.decorate(transport, service));
        }
        return builder.build();
    }

    /** The headers that carry {@code trace} in this client's formats; none when it holds no span. */
    private HttpHeaders traceHeaders(Context trace) {
        if (!Span.fromContext(trace).getSpanContext().isValid()) {
            return HttpHeaders.of();
        }
        final RequestHeadersBuilder carrier = RequestHeaders.builder(HttpMethod.GET, "/");
        TelemetryAccess.PROPAGATION.get(telemetry).inject(trace, carrier);
        final HttpHeadersBuilder headers = HttpHeaders.builder();
        carrier.build().forEach((name, value) -> {
            if (name.charAt(0) != ':') {
                headers.add(name, value);
            }
        });
        return headers.build();
    }

    /**
     * Gets the workload's first certificate (with TLS), which every call and every registry watch needs;
     * completes once it is in. Calls made before then wait for it, so starting first is optional: it lets a
     * service know it can call before it says it is ready.
     *
     * @return a future that completes with this client once its identity has its first certificate, at once
     *     without an identity
     * @throws IllegalStateException if this client was stopped
     */
    @Override
    public synchronized CompletableFuture<MeshClient> start() {
        if (stopped) {
            throw new IllegalStateException(this + " was stopped (expected: a new client from its builder)");
        }
        if (started == null) {
            started = (identity != null
                    ? identity.start().thenApply(unused -> this)
                    : CompletableFuture.completedFuture(this));
        }
        return started;
    }

    /**
     * Stops watching the registry and closes the client's connections (and its client factory, unless it was
     * given one); calls in flight fail. Completes at once: nothing here drains. The identity is left running,
     * since a server of the same workload may use it: stop it yourself.
     *
     * @return a completed future, the same on every call
     */
    @Override
    public synchronized CompletableFuture<Void> stop() {
        if (stopFuture == null) {
            stopped = true;
            reporting.close();
            tcpForwards.forEach(TcpForward::close);
            clients.values().forEach(client -> client.endpoints.close());
            clients.clear();
            routes.close();
            if (ownsFactory) {
                factory.close();
            }
            if (state != null) {
                state.flush(Duration.ofSeconds(2));
            }
            stopFuture = CompletableFuture.completedFuture(null);
        }
        return stopFuture;
    }

    @Override
    public String toString() {
        return "MeshClient(registry=" + registry.uri() + ", " + stack + ", services=" + clients.keySet() + ')';
    }

    private static final class ServiceClient {
        final WebClient webClient;
        final ServiceEndpoints endpoints;
        /** Sets up any client of the service as its WebClient is. */
        final Consumer<AbstractClientOptionsBuilder> common;
        /** The gRPC stubs made so far, by stub type. */
        final Map<Class<?>, Object> grpcStubs = new ConcurrentHashMap<>();
        /** The WebSocket client, once asked for. */
        final AtomicReference<@Nullable MeshWebSocketClient> webSockets = new AtomicReference<>();

        /** HTTPS or HTTP, by the client's identity and the service's transport. */
        final SessionProtocol protocol;

        ServiceClient(
                WebClient webClient,
                ServiceEndpoints endpoints,
                Consumer<AbstractClientOptionsBuilder> common,
                SessionProtocol protocol) {
            this.webClient = webClient;
            this.endpoints = endpoints;
            this.common = common;
            this.protocol = protocol;
        }
    }
}
