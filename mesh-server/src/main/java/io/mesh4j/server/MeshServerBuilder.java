package io.mesh4j.server;

import static java.util.Objects.requireNonNull;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import org.jspecify.annotations.Nullable;

import com.github.benmanes.caffeine.cache.Ticker;
import com.linecorp.armeria.common.util.SystemInfo;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.websocket.WebSocketServiceHandler;

import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.mesh4j.core.authz.DefaultPolicy;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.routing.QuotaSpec;
import io.mesh4j.core.stack.Stack;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.server.internal.authz.AnnotatedPolicies;
import io.mesh4j.server.internal.policy.ServerRoutes;

/**
 * Builds a {@link MeshServer}. Routes are added here or through {@link #armeria(Consumer)}, which reaches the
 * whole Armeria {@link ServerBuilder}; every route passes the inbound stack either way. Everything but the
 * service and the registry has a default; the one choice to make is {@link #identity(WorkloadIdentity)} or
 * {@link #plaintext()}.
 *
 * <pre>{@code
 * MeshServer server = MeshServer.builder("orders", registry)
 *         .identity(identity)
 *         .port(8080)
 *         .zone("eu-1a")
 *         .metadata("version", "v2")
 *         .annotatedService(new OrdersApi())
 *         .adminPort(9990)
 *         .build();
 * }</pre>
 */
public final class MeshServerBuilder {

    final ServiceName service;
    final List<URI> registryUris;
    int port;
    Stack<HttpService> stack = ServerStacks.defaults();
    /**
     * What adds routes to the Armeria server, in the order given: the mesh's own bindings ({@link #service},
     * {@link #annotatedService}), which put the stack (the function given) in front of their service as they bind
     * it, and the user's {@link #armeria} customizers, which ignore it.
     */
    final List<BiConsumer<ServerBuilder, Function<? super HttpService, ? extends HttpService>>> armeriaCustomizers =
            new ArrayList<>();
    /** Whether a user's customizer may have bound routes the mesh cannot see, which only a route decorator reaches. */
    boolean routesOfTheirOwn;

    Duration drainPeriod = Duration.ofSeconds(2);
    boolean stopOnShutdown = true;
    DefaultPolicy defaultPolicyUntilKnown = DefaultPolicy.DENY;
    Duration shutdownTimeout = Duration.ofSeconds(10);
    Ticker ticker = Ticker.systemTicker();

    @Nullable
    WorkloadIdentity identity;

    boolean plaintext;
    MeshTelemetry telemetry = MeshTelemetry.shared();
    int adminPort = -1;

    @Nullable
    InetAddress adminAddress;

    private @Nullable String advertisedHost;
    private @Nullable InstanceId instanceId;
    private String zone = "";
    private int weight = Registration.DEFAULT_WEIGHT;
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final List<Object> annotatedServices = new ArrayList<>();
    private Duration ttl = Registration.DEFAULT_TTL;
    final List<BindableService> grpcServices = new ArrayList<>();
    // Set by build() on the server's copy: the mesh-wide quotas the services' @Quota annotations declare.
    List<QuotaSpec> declaredQuotas = List.of();
    final List<ServerServiceDefinition> grpcDefinitions = new ArrayList<>();
    final Map<String, WebSocketServiceHandler> webSockets = new LinkedHashMap<>();
    boolean grpcHealth = true;
    boolean grpcReflection = true;
    int grpcMaxMessageBytes = DEFAULT_GRPC_MAX_MESSAGE_BYTES;
    boolean grpcOnEventLoop;
    StackParams params = StackParams.empty();

    @Nullable
    InetSocketAddress tcpBackend;

    @Nullable
    Path stateDir;

    int maxConnections = DEFAULT_MAX_CONNECTIONS;
    Duration tcpIdleTimeout = DEFAULT_TCP_IDLE_TIMEOUT;
    Duration tcpConnectTimeout = Duration.ofSeconds(5);
    Duration tcpHandshakeTimeout = Duration.ofSeconds(10);

    /** The metadata key under which a TCP service's instances say {@code tcp}. */
    static final String TCP_METADATA_KEY = "protocol";

    /** The largest gRPC message a call may send unless {@link #grpcMaxMessageSize(int)} says otherwise: 4 MiB. */
    static final int DEFAULT_GRPC_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

    /** How many connections a TCP service takes at once unless {@link #maxConnections(int)} says otherwise. */
    static final int DEFAULT_MAX_CONNECTIONS = 1024;

    /** How long a TCP connection may carry nothing before it is closed: Istio's TCP proxy default. */
    static final Duration DEFAULT_TCP_IDLE_TIMEOUT = Duration.ofHours(1);

    /** The longest connect or handshake timeout a TCP service takes; anything longer is surely a mistake. */
    private static final Duration MAX_TCP_TIMEOUT = Duration.ofHours(1);

    /** The shortest idle timeout: below it a connection is closed between two packets of one exchange. */
    private static final Duration MIN_TCP_IDLE_TIMEOUT = Duration.ofMillis(100);

    MeshServerBuilder(ServiceName service, List<URI> registryUris) {
        this.service = service;
        this.registryUris = registryUris;
    }

    /**
     * Sets the port to listen on; 0, the default, lets the system choose a free one. The registry is told the
     * port actually bound.
     *
     * @param port 0 to 65535
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public MeshServerBuilder port(int port) {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535, 0 for any free port)");
        }
        this.port = port;
        return this;
    }

    /**
     * Serves {@code service} at {@code pathPattern}, such as {@code /orders/{id}}.
     *
     * @param pathPattern an Armeria path pattern
     * @param service the handler
     * @return this builder
     */
    public MeshServerBuilder service(String pathPattern, HttpService service) {
        requireNonNull(pathPattern, "pathPattern");
        requireNonNull(service, "service");
        armeriaCustomizers.add((sb, stack) -> sb.service(pathPattern, stack.apply(service)));
        return this;
    }

    /**
     * Serves the methods of an Armeria annotated service object ({@code @Get("/orders/{id}")} ...). Its policy
     * annotations ({@code @Timeout}, {@code @RateLimit}, {@code @ConcurrencyLimit}, {@code @AllowCallers}) are
     * checked by {@link #build()}.
     *
     * @param service an object whose methods carry Armeria's mapping annotations
     * @return this builder
     */
    public MeshServerBuilder annotatedService(Object service) {
        requireNonNull(service, "service");
        annotatedServices.add(service);
        armeriaCustomizers.add((sb, stack) -> sb.annotatedService(service, stack));
        return this;
    }

    /**
     * Serves gRPC services on the mesh listener: the same port, the same mTLS, the same inbound stack. A call's
     * route is its method's path, {@code /pkg.Service/Method}: pushed access policies and route rules match it as
     * they match an HTTP path, and a layer that refuses a call answers it with a gRPC status a stock client reads
     * ({@code PERMISSION_DENIED}, {@code RESOURCE_EXHAUSTED}, {@code UNAVAILABLE}, {@code DEADLINE_EXCEEDED}), never
     * an HTTP body. The policy annotations ({@code @AllowCallers}, {@code @Timeout}, {@code @RateLimit},
     * {@code @ConcurrencyLimit}) on the implementation's methods and class apply to its gRPC methods, and
     * {@link #build()} checks them. Calls run off the connection's event loop, as grpc-java runs them (unless
     * {@link #grpcOnEventLoop(boolean)}), and a message may be up to
     * 4 MiB ({@link #grpcMaxMessageSize(int)}). With the first gRPC service come {@code grpc.health.v1.Health} and server reflection, unless turned
     * off ({@link #grpcHealth(boolean)}, {@link #grpcReflection(boolean)}).
     *
     * @param services implementations of generated {@code ...ImplBase} classes
     * @return this builder
     */
    public MeshServerBuilder grpcService(BindableService... services) {
        for (BindableService service : requireNonNull(services, "services")) {
            grpcServices.add(requireNonNull(service, "services[i]"));
        }
        return this;
    }

    /**
     * Serves gRPC service definitions, as {@link #grpcService(BindableService...)} does: for a service wrapped with
     * its own interceptors ({@code ServerInterceptors.intercept(service, interceptors)}).
     *
     * @param definitions the service definitions
     * @return this builder
     */
    public MeshServerBuilder grpcService(ServerServiceDefinition... definitions) {
        for (ServerServiceDefinition definition : requireNonNull(definitions, "definitions")) {
            grpcDefinitions.add(requireNonNull(definition, "definitions[i]"));
        }
        return this;
    }

    /**
     * Serves a WebSocket endpoint at {@code path}, such as {@code /chat}, on the mesh listener: the same port, the same
     * mTLS. The upgrade is a request like any other, its route the path: it passes the inbound stack, so the access
     * policy decides who may connect (a caller it refuses gets 403 and the reason, and no connection), and rate
     * limits, concurrency limits, injected faults, the server span and the request metrics apply to it. Each
     * connection is counted while it is open, its messages each way and its close code too
     * ({@code mesh_server_websocket_*}, see docs/telemetry.md). The mesh answers the caller's pings itself; the
     * handler sees the messages and the close frame. When the server drains, new upgrades get 503 at once, and at the
     * end of the drain period the open connections are closed with 1001 (going away), so that callers reconnect to
     * another instance. Callers connect with {@code MeshClient.webSocketClient(service)}.
     *
     * <pre>{@code
     * MeshServer chat = MeshServer.builder("chat", registry)
     *         .identity(identity)
     *         .webSocket("/echo", (ctx, in) -> in)   // sends back every frame it is sent
     *         .build();
     * }</pre>
     *
     * @param path an exact path, such as {@code /chat}
     * @param handler what serves each connection: given the caller's frames, returns the frames to send
     * @return this builder
     * @throws IllegalArgumentException if {@code path} does not start with {@code /}, or already has a WebSocket
     *     endpoint
     */
    public MeshServerBuilder webSocket(String path, WebSocketServiceHandler handler) {
        requireNonNull(path, "path");
        requireNonNull(handler, "handler");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path: " + path + " (expected: an absolute path, such as /chat)");
        }
        if (webSockets.putIfAbsent(path, handler) != null) {
            throw new IllegalArgumentException("path: " + path + " (expected: one WebSocket endpoint per path)");
        }
        return this;
    }

    /**
     * The largest message, in bytes, a caller may send in a gRPC call; 4 MiB by default, as grpc-java's own servers
     * have it. A larger one ends its call with {@code RESOURCE_EXHAUSTED} saying the limit, and the server goes on
     * serving. Answers are not limited here: the caller's stub limits what it accepts.
     *
     * @param bytes {@code > 0}
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes <= 0}
     */
    public MeshServerBuilder grpcMaxMessageSize(int bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException(
                    "grpcMaxMessageSize: " + bytes + " (expected: > 0 bytes; the default is 4 MiB, 4194304)");
        }
        grpcMaxMessageBytes = bytes;
        return this;
    }

    /**
     * Whether gRPC calls run on the connection's event loop, as raw Armeria runs them, instead of off it on the
     * blocking-task executor, as grpc-java runs them; off by default. On the loop a unary call costs the server
     * about 45 µs of CPU less (issue 12's profile, one run on a loaded machine: the hand-over to the executor and
     * back is most of what a mesh gRPC call costs the server over a raw one), but every handler, interceptor and listener of the service must then never
     * block: while one does, every other call of its connection waits. Turn it on only for services written
     * asynchronously (answering through the {@code StreamObserver} from a future's callback, say).
     *
     * @param onEventLoop {@code true} to run calls on the event loop
     * @return this builder
     */
    public MeshServerBuilder grpcOnEventLoop(boolean onEventLoop) {
        grpcOnEventLoop = onEventLoop;
        return this;
    }

    /**
     * Whether a server with gRPC services also serves {@code grpc.health.v1.Health}; on by default. It answers
     * {@code SERVING} while the server serves and {@code NOT_SERVING} once it begins to drain, and any caller that
     * passed the listener (with TLS: any workload of the mesh) may call it, whatever the access policy says, so that
     * probes work under a default-deny.
     *
     * @param health {@code false} to leave it out
     * @return this builder
     */
    public MeshServerBuilder grpcHealth(boolean health) {
        grpcHealth = health;
        return this;
    }

    /**
     * Whether a server with gRPC services also serves server reflection ({@code grpc.reflection.v1}, what
     * {@code grpcurl} asks first); on by default. It is authorized like any other method.
     *
     * @param reflection {@code false} to leave it out
     * @return this builder
     */
    public MeshServerBuilder grpcReflection(boolean reflection) {
        grpcReflection = reflection;
        return this;
    }

    /**
     * Anything else the Armeria server builder offers: routes, limits, access logs. The customizers run in the
     * order given, each time the server starts; the listener's port and TLS are set before them. A route bound
     * here passes the inbound stack too, but through an Armeria route decorator, which the mesh then puts in front
     * of every route and which costs each request a route lookup: bind routes with {@link #service} and
     * {@link #annotatedService} where they will do.
     *
     * @param customizer changes the Armeria server builder
     * @return this builder
     */
    public MeshServerBuilder armeria(Consumer<ServerBuilder> customizer) {
        requireNonNull(customizer, "customizer");
        armeriaCustomizers.add((sb, stack) -> customizer.accept(sb));
        routesOfTheirOwn = true;
        return this;
    }

    /**
     * Replaces the inbound stack; {@link ServerStacks#defaults()} unless set.
     *
     * @param stack the stack, in request order
     * @return this builder
     */
    public MeshServerBuilder stack(Stack<HttpService> stack) {
        this.stack = requireNonNull(stack, "stack");
        return this;
    }

    /**
     * Adjusts the inbound stack, such as {@code s -> s.insertBefore(ServerRoles.DEADLINE, myLayer)}.
     *
     * @param adjust given the stack as set so far, returns the new one; called once, here
     * @return this builder
     * @throws NullPointerException if {@code adjust} returns {@code null}
     */
    public MeshServerBuilder stack(UnaryOperator<Stack<HttpService>> adjust) {
        stack = requireNonNull(requireNonNull(adjust, "adjust").apply(stack), "adjusted stack");
        return this;
    }

    /**
     * The address callers reach this instance at; by default this host's first non-loopback IPv4 address,
     * or 127.0.0.1 when it has none.
     *
     * @param host a host name or an IP address (without brackets); checked by {@link #build()}
     * @return this builder
     */
    public MeshServerBuilder advertisedHost(String host) {
        this.advertisedHost = requireNonNull(host, "host");
        return this;
    }

    /**
     * Sets the instance's id in the registry; by default the service name and a random suffix. A fixed id lets a
     * restarted instance take its own place again.
     *
     * @param instanceId 1 to 128 letters, digits, {@code .}, {@code _} or {@code -}
     * @return this builder
     * @throws IllegalArgumentException if not such an id
     */
    public MeshServerBuilder instanceId(String instanceId) {
        this.instanceId = InstanceId.of(instanceId);
        return this;
    }

    /**
     * Sets the zone (failure domain) this instance runs in, which zone-aware clients prefer to stay in; none (empty)
     * unless set.
     *
     * @param zone at most 63 letters, digits, {@code .}, {@code _} or {@code -}, such as {@code eu-1a}; checked by
     *     {@link #build()}
     * @return this builder
     */
    public MeshServerBuilder zone(String zone) {
        this.zone = requireNonNull(zone, "zone");
        return this;
    }

    /**
     * This instance's share of traffic relative to the service's other instances, 1 to 10000; 100 by default.
     *
     * @param weight 1 to 10000; checked by {@link #build()}
     * @return this builder
     */
    public MeshServerBuilder weight(int weight) {
        this.weight = weight;
        return this;
    }

    /**
     * Adds a label the instance registers with, such as {@code version=v2}, which route splits select subsets by;
     * a second value for the same key replaces the first. None unless set.
     *
     * @param key 1 to 63 letters, digits, {@code .}, {@code _}, {@code /} or {@code -}
     * @param value at most 1024 characters
     * @return this builder
     */
    public MeshServerBuilder metadata(String key, String value) {
        metadata.put(requireNonNull(key, "key"), requireNonNull(value, "value"));
        return this;
    }

    /**
     * How long the registry keeps this instance without a heartbeat; 15 seconds by default. Heartbeats go
     * every third of it.
     *
     * @param ttl whole seconds, from 1 s to 1 h; checked by {@link #build()}
     * @return this builder
     */
    public MeshServerBuilder ttl(Duration ttl) {
        this.ttl = requireNonNull(ttl, "ttl");
        return this;
    }

    /**
     * Whether the JVM's shutdown (SIGTERM, {@code System.exit}) stops the server gracefully, as {@link
     * MeshServer#stop()} does: deregistered, drained, closed. On by default, so that a plain-Java service that is
     * stopped leaves the registry at once instead of when its TTL runs out. Turn it off where something else stops
     * the server on shutdown (the Spring Boot starter does, through the application context).
     *
     * @param stopOnShutdown {@code false} to leave stopping to the application
     * @return this builder
     */
    public MeshServerBuilder stopOnShutdown(boolean stopOnShutdown) {
        this.stopOnShutdown = stopOnShutdown;
        return this;
    }

    /**
     * What decides a request that no {@link io.mesh4j.core.authz.AllowCallers} decides while this server has not
     * yet heard from the registry since it started (the registry was away when it started; once it has answered,
     * its policy and mesh-wide default apply, and stay in force while it is away). {@link DefaultPolicy#DENY} unless
     * set: a server that does not know whether its mesh is zero-trust fails closed.
     *
     * @param untilKnown allow or deny
     * @return this builder
     */
    public MeshServerBuilder defaultPolicyUntilKnown(DefaultPolicy untilKnown) {
        defaultPolicyUntilKnown = requireNonNull(untilKnown, "untilKnown");
        return this;
    }

    /**
     * How long to keep serving after deregistering, so that every caller's watch hears of it before the
     * listener closes (and the WebSocket connections still open are closed with 1001); 2 seconds by default.
     *
     * @param drainPeriod {@code >= 0}
     * @return this builder
     * @throws IllegalArgumentException if negative
     */
    public MeshServerBuilder drainPeriod(Duration drainPeriod) {
        requireNonNull(drainPeriod, "drainPeriod");
        if (drainPeriod.isNegative()) {
            throw new IllegalArgumentException("drainPeriod: " + drainPeriod + " (expected: >= 0)");
        }
        this.drainPeriod = drainPeriod;
        return this;
    }

    /**
     * The longest the requests in flight may take to finish once the drain period is over; 10 seconds by
     * default.
     *
     * @param shutdownTimeout {@code >= 0}
     * @return this builder
     * @throws IllegalArgumentException if negative
     */
    public MeshServerBuilder shutdownTimeout(Duration shutdownTimeout) {
        requireNonNull(shutdownTimeout, "shutdownTimeout");
        if (shutdownTimeout.isNegative()) {
            throw new IllegalArgumentException("shutdownTimeout: " + shutdownTimeout + " (expected: >= 0)");
        }
        this.shutdownTimeout = shutdownTimeout;
        return this;
    }

    /**
     * The workload identity to serve with: the listener speaks TLS with its certificate and requires every caller
     * to present a certificate of the same mesh. The identity must be of this server's service. The server then
     * registers with the identity's registry, whatever URI the builder was made with. Either this or
     * {@link #plaintext()} is required.
     *
     * @param identity the workload's identity; the server starts it if nobody has, and does not stop it
     * @return this builder
     */
    public MeshServerBuilder identity(WorkloadIdentity identity) {
        this.identity = requireNonNull(identity, "identity");
        return this;
    }

    /**
     * Keeps this member's last-known-good state in {@code dir}: what it hears from the registry (the access policy and
     * route config of its service, and with an identity the trust state and its certificate and key) is written there,
     * atomically and checksummed, and a restart starts from it, so that a server restarted while the registry cannot be
     * reached serves with its still-valid certificate, and says so in its log and health until the registry answers.
     * With an identity, the directory is the identity's too (see {@code WorkloadIdentityBuilder.stateDir}): give the
     * client and server of one workload the same one. Without this, a server whose identity keeps its state somewhere
     * keeps it there too. None unless set. One directory per instance: replicas must not share one.
     *
     * @param dir a directory of this workload's own; made owner-only ({@code rwx------}) if missing
     * @return this builder
     */
    public MeshServerBuilder stateDir(Path dir) {
        stateDir = requireNonNull(dir, "dir");
        return this;
    }

    /**
     * Serves without TLS: no encryption, no caller identities. The mesh encrypts by default; this is the explicit
     * opt-out, and the server says so in its log when it starts. Either this or {@link #identity(WorkloadIdentity)}
     * is required.
     *
     * @return this builder
     */
    public MeshServerBuilder plaintext() {
        plaintext = true;
        return this;
    }

    /**
     * Makes this a TCP service: every connection a caller opens is piped, byte for byte, to {@code backend} (a
     * database, a cache, a broker on this host), once its caller has been authorized. The listener speaks mTLS with
     * the workload's certificate like an HTTP one, and the instance registers with the metadata
     * {@code protocol=tcp}. A connection is authorized once, when it opens, by the rules of the service's access
     * policy that name no routes and no methods ({@code {"allowCallers": ["api"]}}), else by the service's or the
     * mesh's default; a refused one is closed before the backend hears of it. Needs
     * {@link #identity(WorkloadIdentity)}; serves no HTTP routes. Callers reach it with
     * {@code MeshClient.tcpForward(service)}.
     *
     * <pre>{@code
     * MeshServer redis = MeshServer.builder("redis", registry)
     *         .identity(identity)
     *         .tcp(new InetSocketAddress("127.0.0.1", 6379))
     *         .build();
     * }</pre>
     *
     * @param backend where the connections go, such as {@code 127.0.0.1:6379}
     * @return this builder
     */
    public MeshServerBuilder tcp(InetSocketAddress backend) {
        tcpBackend = requireNonNull(backend, "backend");
        return this;
    }

    /**
     * How many connections a {@linkplain #tcp(InetSocketAddress) TCP service} keeps open at once; one more is closed
     * as it opens, and counted. 1024 unless set.
     *
     * @param maxConnections {@code > 0}
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public MeshServerBuilder maxConnections(int maxConnections) {
        if (maxConnections <= 0) {
            throw new IllegalArgumentException("maxConnections: " + maxConnections + " (expected: > 0)");
        }
        this.maxConnections = maxConnections;
        return this;
    }

    /**
     * How long a connection to a {@linkplain #tcp(InetSocketAddress) TCP service} may carry no byte, either way,
     * before the mesh closes it (both its caller's side and its backend's), as Istio's TCP proxy does; 1 hour unless
     * set. Counted as {@code mesh.server.tcp.connections} with {@code outcome=closed, reason=idle}. A caller's
     * forward has an idle timeout of its own; the shorter one closes the connection.
     *
     * @param idleTimeout zero for none, else at least 100 ms
     * @return this builder
     * @throws IllegalArgumentException if negative, or above zero and below 100 ms
     */
    public MeshServerBuilder tcpIdleTimeout(Duration idleTimeout) {
        requireNonNull(idleTimeout, "idleTimeout");
        if (idleTimeout.isNegative() || (!idleTimeout.isZero() && idleTimeout.compareTo(MIN_TCP_IDLE_TIMEOUT) < 0)) {
            throw new IllegalArgumentException("tcpIdleTimeout: " + idleTimeout
                    + " (expected: 0 for no idle timeout, or >= 100 ms, such as Duration.ofMinutes(10))");
        }
        tcpIdleTimeout = idleTimeout;
        return this;
    }

    /**
     * How long a {@linkplain #tcp(InetSocketAddress) TCP service} waits for its backend to accept the connection of
     * an authorized caller before it closes the caller's connection (counted as {@code outcome=failed,
     * reason=backend}); 5 seconds unless set.
     *
     * @param connectTimeout 1 ms to 1 hour
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public MeshServerBuilder tcpConnectTimeout(Duration connectTimeout) {
        tcpConnectTimeout = checkTcpTimeout("tcpConnectTimeout", connectTimeout);
        return this;
    }

    /**
     * How long a {@linkplain #tcp(InetSocketAddress) TCP service} gives a caller to complete its TLS handshake
     * before it closes the connection (counted as {@code outcome=refused, reason=handshake}); 10 seconds unless set.
     *
     * @param handshakeTimeout 1 ms to 1 hour
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public MeshServerBuilder tcpHandshakeTimeout(Duration handshakeTimeout) {
        tcpHandshakeTimeout = checkTcpTimeout("tcpHandshakeTimeout", handshakeTimeout);
        return this;
    }

    private static Duration checkTcpTimeout(String name, Duration timeout) {
        requireNonNull(timeout, name);
        if (timeout.toMillis() < 1 || timeout.compareTo(MAX_TCP_TIMEOUT) > 0) {
            throw new IllegalArgumentException(
                    name + ": " + timeout + " (expected: 1 ms to 1 hour, such as Duration.ofSeconds(5))");
        }
        return timeout;
    }

    /**
     * Sets the time source of deadlines; the system's unless set. For tests.
     *
     * @param ticker a nanosecond ticker
     * @return this builder
     */
    public MeshServerBuilder ticker(Ticker ticker) {
        this.ticker = requireNonNull(ticker, "ticker");
        return this;
    }

    /**
     * The traces and metrics of this server; the process-wide {@link MeshTelemetry#shared()} unless set. Give
     * the process's mesh client the same one.
     *
     * @param telemetry the telemetry
     * @return this builder
     */
    public MeshServerBuilder telemetry(MeshTelemetry telemetry) {
        this.telemetry = requireNonNull(telemetry, "telemetry");
        return this;
    }

    /**
     * Serves the admin endpoint ({@code /metrics}, {@code /stacks}, {@code /healthz}) on {@code adminPort}, 0 for
     * any free one; no admin endpoint unless set. It listens on {@code 127.0.0.1} unless
     * {@link #adminAddress(InetAddress)} says otherwise.
     *
     * @param adminPort 0 to 65535
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public MeshServerBuilder adminPort(int adminPort) {
        if (adminPort < 0 || adminPort > 65_535) {
            throw new IllegalArgumentException(
                    "adminPort: " + adminPort + " (expected: 0..65535, 0 for any free port)");
        }
        this.adminPort = adminPort;
        return this;
    }

    /**
     * Sets the address the admin endpoint listens on; {@code 127.0.0.1} unless set, so that only this machine
     * reaches it. A Prometheus on another host needs this set to an address of an interface it can reach (or the
     * wildcard address, {@code 0.0.0.0}, for every interface); keep that port off networks whose users should not
     * read the metrics and stacks, as the endpoint asks no credentials. Takes effect with
     * {@link #adminPort(int)}.
     *
     * @param adminAddress an address of this machine
     * @return this builder
     */
    public MeshServerBuilder adminAddress(InetAddress adminAddress) {
        this.adminAddress = requireNonNull(adminAddress, "adminAddress");
        return this;
    }

    /**
     * Sets a parameter the stack's layers read when the stack is built, such as one a layer of your own declares
     * in {@link io.mesh4j.core.stack.Layer#requiredParams()}. The mesh sets its own ({@code SERVICE},
     * {@code TICKER}, telemetry and policies) from this builder's other settings; a value set here for one of
     * those keys is replaced by the mesh's.
     *
     * @param <V> the type of the value
     * @param key the key, such as {@code AuditLayer.SINK}
     * @param value the value
     * @return this builder
     * @throws NullPointerException if {@code value} is {@code null}
     */
    public <V> MeshServerBuilder stackParam(StackParams.Key<V> key, V value) {
        if (MeshServer.PARAMS_SET_BY_THE_MESH.contains(key)) {
            throw new IllegalArgumentException(
                    "stack parameter '" + key.name() + "' is set by the mesh itself "
                            + "(expected: a parameter of your own layers; the mesh's own come from ticker(..) or telemetry(..))");
        }
        params = params.with(key, value);
        return this;
    }

    /**
     * Builds the server. It is a snapshot: changing this builder afterwards, or building again, leaves it as it was
     * built. The registration is checked now, with a placeholder port, so that a bad host, zone, weight, metadata
     * or TTL fails here, in the builder's thread, with the registry's own message; so are the policy annotations
     * of the annotated services, {@code @AllowCallers} included. The server listens only once started.
     *
     * @return a new server
     * @throws IllegalStateException without an identity or {@link #plaintext()}, or with both
     * @throws IllegalArgumentException if the identity is of another service, a registration value is out of
     *     range, a policy annotation is wrong, a layer needs a stack parameter nobody sets, or the state directory
     *     cannot be used or is not the one the identity keeps its state in
     */
    public MeshServer build() {
        if (identity == null && !plaintext) {
            throw new IllegalStateException("mesh4j encrypts by default: give the server its identity "
                    + "(identity(WorkloadIdentity) with a join token from the operator) or "
                    + "opt out with plaintext()");
        }
        if (identity != null && plaintext) {
            throw new IllegalStateException("both identity(..) and plaintext() were set (expected: one of them)");
        }
        if (identity != null && !identity.id().service().map(service::equals).orElse(false)) {
            throw new IllegalArgumentException("identity: " + identity.id() + " (expected: the identity of " + service
                    + ", which this server serves)");
        }
        if (tcpBackend != null) {
            if (identity == null) {
                throw new IllegalStateException("tcp(..) needs identity(..): a TCP connection is authorized by the "
                        + "certificate its caller presents (expected: identity(WorkloadIdentity))");
            }
            if (!armeriaCustomizers.isEmpty()
                    || !grpcServices.isEmpty()
                    || !grpcDefinitions.isEmpty()
                    || !webSockets.isEmpty()) {
                throw new IllegalStateException("tcp(..) pipes every connection to its backend and serves no HTTP "
                        + "routes (expected: no service(..), annotatedService(..), grpcService(..), webSocket(..) or "
                        + "armeria(..) with tcp(..))");
            }
        }
        registration(1);
        stack.checkParams(params, MeshServer.PARAMS_SET_BY_THE_MESH, "MeshServerBuilder.stackParam(..)");
        // A policy annotation that is wrong fails here, naming its method, rather than at its first request.
        annotatedServices.forEach(ServerRoutes::validate);
        annotatedServices.forEach(AnnotatedPolicies::validate);
        grpcServices.forEach(ServerRoutes::validate);
        grpcServices.forEach(AnnotatedPolicies::validate);
        final Map<String, Map.Entry<String, QuotaSpec>> quotas = new LinkedHashMap<>();
        annotatedServices.forEach(service -> ServerRoutes.declaredQuotas(service, quotas));
        grpcServices.forEach(service -> ServerRoutes.declaredQuotas(service, quotas));
        // The server reads its settings while it runs (the port, the registration): it gets a copy of its own, so
        // that changing this builder afterwards, or building again, leaves it as it was built.
        final MeshServerBuilder settings = copy();
        if (settings.instanceId == null) {
            settings.instanceId = InstanceId.of(
                    service.value() + '-' + UUID.randomUUID().toString().substring(0, 8));
        }
        settings.declaredQuotas =
                quotas.values().stream().map(Map.Entry::getValue).toList();
        return new MeshServer(settings);
    }

    private MeshServerBuilder copy() {
        final MeshServerBuilder copy = new MeshServerBuilder(service, registryUris);
        copy.port = port;
        copy.stack = stack;
        copy.armeriaCustomizers.addAll(armeriaCustomizers);
        copy.routesOfTheirOwn = routesOfTheirOwn;
        copy.drainPeriod = drainPeriod;
        copy.stopOnShutdown = stopOnShutdown;
        copy.defaultPolicyUntilKnown = defaultPolicyUntilKnown;
        copy.shutdownTimeout = shutdownTimeout;
        copy.ticker = ticker;
        copy.identity = identity;
        copy.plaintext = plaintext;
        copy.telemetry = telemetry;
        copy.adminPort = adminPort;
        copy.adminAddress = adminAddress;
        copy.advertisedHost = advertisedHost;
        copy.instanceId = instanceId;
        copy.zone = zone;
        copy.weight = weight;
        copy.metadata.putAll(metadata);
        copy.annotatedServices.addAll(annotatedServices);
        copy.ttl = ttl;
        copy.grpcServices.addAll(grpcServices);
        copy.grpcDefinitions.addAll(grpcDefinitions);
        copy.webSockets.putAll(webSockets);
        copy.grpcHealth = grpcHealth;
        copy.grpcReflection = grpcReflection;
        copy.grpcMaxMessageBytes = grpcMaxMessageBytes;
        copy.grpcOnEventLoop = grpcOnEventLoop;
        copy.params = params;
        copy.tcpBackend = tcpBackend;
        copy.maxConnections = maxConnections;
        copy.tcpIdleTimeout = tcpIdleTimeout;
        copy.tcpConnectTimeout = tcpConnectTimeout;
        copy.tcpHandshakeTimeout = tcpHandshakeTimeout;
        copy.stateDir = stateDir;
        return copy;
    }

    InstanceId instanceId() {
        return requireNonNull(instanceId, "instanceId");
    }

    Registration registration(int actualPort) {
        return Registration.builder(advertisedHost(), actualPort)
                .zone(zone)
                .weight(weight)
                .metadata(registeredMetadata())
                .ttl(ttl)
                .build();
    }

    /** The user's labels, and {@code protocol=tcp} for a TCP service, so that callers can tell it from HTTP. */
    private Map<String, String> registeredMetadata() {
        if (tcpBackend == null) {
            return metadata;
        }
        final Map<String, String> withProtocol = new LinkedHashMap<>(metadata);
        withProtocol.put(TCP_METADATA_KEY, "tcp");
        return withProtocol;
    }

    private String advertisedHost() {
        if (advertisedHost != null) {
            return advertisedHost;
        }
        final @Nullable Inet4Address address = SystemInfo.defaultNonLoopbackIpV4Address();
        return address != null ? address.getHostAddress() : "127.0.0.1";
    }
}
