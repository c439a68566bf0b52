package io.mesh4j.client;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import org.jspecify.annotations.Nullable;

import com.github.benmanes.caffeine.cache.Ticker;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.HttpClient;

import io.mesh4j.client.balancer.BalancerFactory;
import io.mesh4j.client.balancer.Balancers;
import io.mesh4j.client.discovery.Discovery;
import io.mesh4j.client.discovery.PeerTransport;
import io.mesh4j.client.internal.discovery.DiscoveryChoice;
import io.mesh4j.client.policy.ClientPolicy;
import io.mesh4j.core.classify.ResponseClassifier;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.identity.TlsConnections;
import io.mesh4j.core.internal.registry.WatchParams;
import io.mesh4j.core.stack.Stack;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.core.telemetry.MeshTelemetry;

/**
 * Builds a {@link MeshClient}. Everything but the registry has a default that suits most services; the one
 * choice to make is {@link #identity(WorkloadIdentity)} or {@link #plaintext()}.
 *
 * <pre>{@code
 * MeshClient mesh = MeshClient.builder(URI.create("https://registry:7070"))
 *         .identity(identity)
 *         .zone("eu-1a")
 *         .policy("orders", ClientPolicy.builder().timeout(Duration.ofSeconds(1)).build())
 *         .stack(s -> s.insertBefore(ClientRoles.RETRY, Layer.of(Role.of("AUDIT"), AuditingClient::new)))
 *         .build();
 * }</pre>
 */
public final class MeshClientBuilder {

    final List<URI> registryUris;
    Stack<HttpClient> stack = ClientStacks.defaults();
    BalancerFactory balancer = Balancers.p2cPeakEwma();
    ClientPolicy defaultPolicy = ClientPolicy.ofDefaults();
    final Map<ServiceName, ClientPolicy> servicePolicies = new LinkedHashMap<>();
    final Map<ServiceName, DiscoveryChoice> discoveries = new LinkedHashMap<>();
    StackParams params = StackParams.empty();
    ResponseClassifier classifier = ResponseClassifier.ofDefault();
    Ticker ticker = Ticker.systemTicker();
    Clock clock = Clock.systemUTC();
    Duration watchWait = WatchParams.DEFAULT_WAIT;
    Duration webSocketPingInterval = Duration.ofSeconds(30);

    @Nullable
    WorkloadIdentity identity;

    private boolean plaintext;
    MeshTelemetry telemetry = MeshTelemetry.shared();

    @Nullable
    String zone;

    private @Nullable ClientFactory factory;

    @Nullable
    Path stateDir;

    MeshClientBuilder(List<URI> registryUris) {
        this.registryUris = registryUris;
    }

    /**
     * Replaces the outbound stack; {@link ClientStacks#defaults()} unless set.
     *
     * @param stack the stack, in request order
     * @return this builder
     */
    public MeshClientBuilder stack(Stack<HttpClient> stack) {
        this.stack = requireNonNull(stack, "stack");
        return this;
    }

    /**
     * Adjusts the outbound stack, such as {@code s -> s.insertBefore(ClientRoles.RETRY, myLayer)}.
     *
     * @param adjust given the stack as set so far, returns the new one; called once, here
     * @return this builder
     * @throws NullPointerException if {@code adjust} returns {@code null}
     */
    public MeshClientBuilder stack(UnaryOperator<Stack<HttpClient>> adjust) {
        stack = requireNonNull(requireNonNull(adjust, "adjust").apply(stack), "adjusted stack");
        return this;
    }

    /**
     * Sets the balancer of every service; {@link Balancers#p2cPeakEwma()} unless set.
     *
     * @param balancer makes one balancer per called service
     * @return this builder
     */
    public MeshClientBuilder balancer(BalancerFactory balancer) {
        this.balancer = requireNonNull(balancer, "balancer");
        return this;
    }

    /**
     * Sets the policy of every service without one of its own; {@link ClientPolicy#ofDefaults()} unless set.
     *
     * @param policy the policy
     * @return this builder
     */
    public MeshClientBuilder defaultPolicy(ClientPolicy policy) {
        defaultPolicy = requireNonNull(policy, "policy");
        return this;
    }

    /**
     * Sets the policy of calls to {@code service}, in place of the default policy; a second call for the same
     * service replaces the first. A built client's policies change through {@link MeshClient#policies()}.
     *
     * @param service a service name, such as {@code "orders"}
     * @param policy the policy
     * @return this builder
     * @throws IllegalArgumentException if {@code service} is not a valid service name
     */
    public MeshClientBuilder policy(String service, ClientPolicy policy) {
        servicePolicies.put(ServiceName.of(service), requireNonNull(policy, "policy"));
        return this;
    }

    /**
     * Sets where the endpoints of {@code service} come from, in place of the registry; its endpoints are taken for
     * mesh members (mTLS). A second call for the same service replaces the first.
     *
     * <pre>{@code
     * builder.discovery("payments", Discovery.parse("kubernetes:payments.prod:http"));
     * }</pre>
     *
     * @param service a service name, such as {@code "payments"}
     * @param discovery the backend, such as {@link Discovery#staticList(String)} or {@link Discovery#parse(String)}
     * @return this builder
     * @throws IllegalArgumentException if {@code service} is not a valid service name
     */
    public MeshClientBuilder discovery(String service, Discovery discovery) {
        return discovery(service, discovery, PeerTransport.MESH);
    }

    /**
     * Sets where the endpoints of {@code service} come from and how calls to them are carried: {@link
     * PeerTransport#MESH} for mesh members, {@link PeerTransport#TLS} or {@link PeerTransport#PLAINTEXT} for a
     * service outside the mesh, whose calls and spans are then marked {@code mesh.member=false}. Balancing, retries,
     * breakers, route configs and telemetry apply whatever the backend.
     *
     * <pre>{@code
     * builder.discovery("legacy", Discovery.staticList("10.0.0.7:8080,10.0.0.8:8080"), PeerTransport.PLAINTEXT);
     * }</pre>
     *
     * @param service a service name, such as {@code "legacy"}
     * @param discovery the backend
     * @param transport how calls are carried
     * @return this builder
     * @throws IllegalArgumentException if {@code service} is not a valid service name, or the registry is given a
     *     transport other than {@link PeerTransport#MESH}
     */
    public MeshClientBuilder discovery(String service, Discovery discovery, PeerTransport transport) {
        discoveries.put(ServiceName.of(service), new DiscoveryChoice(discovery, transport));
        return this;
    }

    /**
     * Sets how responses are judged for retries, breakers and metrics; {@link ResponseClassifier#ofDefault()} unless
     * set.
     *
     * @param classifier the classifier
     * @return this builder
     */
    public MeshClientBuilder classifier(ResponseClassifier classifier) {
        this.classifier = requireNonNull(classifier, "classifier");
        return this;
    }

    /**
     * Sets the time source of deadlines, budgets and the balancer; the system's unless set. For tests.
     *
     * @param ticker a nanosecond ticker
     * @return this builder
     */
    public MeshClientBuilder ticker(Ticker ticker) {
        this.ticker = requireNonNull(ticker, "ticker");
        return this;
    }

    /**
     * Sets the clock of the circuit breakers; the system's UTC clock unless set. For tests.
     *
     * @param clock the clock
     * @return this builder
     */
    public MeshClientBuilder clock(Clock clock) {
        this.clock = requireNonNull(clock, "clock");
        return this;
    }

    /**
     * Sets how long the registry may hold each watch (long poll) before it answers unchanged; 30 seconds unless
     * set. Shorter waits cost more requests, not fresher data: a change is answered at once either way.
     *
     * @param watchWait zero to ten minutes
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public MeshClientBuilder watchWait(Duration watchWait) {
        requireNonNull(watchWait, "watchWait");
        if (watchWait.isNegative() || watchWait.compareTo(WatchParams.MAX_WAIT) > 0) {
            throw new IllegalArgumentException(
                    "watchWait: " + watchWait + " (expected: 0.." + WatchParams.MAX_WAIT + ')');
        }
        this.watchWait = watchWait;
        return this;
    }

    /**
     * Sets after how long without a frame from its server the mesh pings a WebSocket connection a
     * {@link MeshWebSocketClient} opened, and how often while it stays idle, so that idle connections stay open
     * through NATs and load balancers; 30 seconds unless set.
     *
     * @param interval zero for no pings, else at least 100 ms
     * @return this builder
     * @throws IllegalArgumentException if negative, or above zero and below 100 ms
     */
    public MeshClientBuilder webSocketPingInterval(Duration interval) {
        requireNonNull(interval, "interval");
        if (interval.isNegative() || (!interval.isZero() && interval.toMillis() < 100)) {
            throw new IllegalArgumentException(
                    "webSocketPingInterval: " + interval + " (expected: 0 for no pings, or >= 100 ms)");
        }
        webSocketPingInterval = interval;
        return this;
    }

    /**
     * The workload identity to call with: every call is mTLS, presenting its certificate and accepting only a
     * server that proves the identity of the service called. The same identity as the process's MeshServer.
     * The client then watches the identity's registry, whatever URI the builder was made with. Either this or
     * {@link #plaintext()} is required.
     *
     * @param identity the workload's identity; the client starts it if nobody has, and does not stop it
     * @return this builder
     */
    public MeshClientBuilder identity(WorkloadIdentity identity) {
        this.identity = requireNonNull(identity, "identity");
        return this;
    }

    /**
     * Keeps this member's last-known-good state in {@code dir}: what it hears from the registry (the endpoints and
     * route config of every service it calls, and with an identity the trust state and its certificate and key) is
     * written there, atomically and checksummed, and a restart starts from it, so that a client restarted while the
     * registry cannot be reached calls with its still-valid certificate, and says so in its log and health until the
     * registry answers. With an identity, the directory is the identity's too (see {@code
     * WorkloadIdentityBuilder.stateDir}): give the client and server of one workload the same one. Without this, a
     * client whose identity keeps its state somewhere keeps it there too. None unless set. One directory per instance:
     * replicas must not share one.
     *
     * @param dir a directory of this workload's own; made owner-only ({@code rwx------}) if missing
     * @return this builder
     */
    public MeshClientBuilder stateDir(Path dir) {
        stateDir = requireNonNull(dir, "dir");
        return this;
    }

    /**
     * Calls without TLS. The mesh encrypts by default; this is the explicit opt-out, said in the log. Either this or
     * {@link #identity(WorkloadIdentity)} is required.
     *
     * @return this builder
     */
    public MeshClientBuilder plaintext() {
        plaintext = true;
        return this;
    }

    /**
     * The zone this workload runs in: calls prefer the instances of the same zone while the zone has enough of
     * them healthy, and fail over to the others when it has not. No preference unless set.
     *
     * <p>"Enough" is at least 1/1.4 (about 71%) of the zone's endpoints, Istio's overprovisioning factor.
     *
     * @param zone the zone instances register with, such as {@code eu-1a}
     * @return this builder
     * @throws IllegalArgumentException if {@code zone} is empty
     */
    public MeshClientBuilder zone(String zone) {
        requireNonNull(zone, "zone");
        if (zone.isEmpty()) {
            throw new IllegalArgumentException(
                    "zone: empty (expected: the zone instances register with, such as " + "eu-west-1a)");
        }
        this.zone = zone;
        return this;
    }

    /**
     * The traces and metrics of this client's calls; the process-wide {@link MeshTelemetry#shared()} unless set.
     * Give the process's mesh server the same one.
     *
     * @param telemetry the telemetry
     * @return this builder
     */
    public MeshClientBuilder telemetry(MeshTelemetry telemetry) {
        this.telemetry = requireNonNull(telemetry, "telemetry");
        return this;
    }

    /**
     * The Armeria client factory to make connections with; the mesh client makes (and closes) its own unless
     * set. A factory given here is not closed with the mesh client.
     *
     * @param factory the factory
     * @return this builder
     */
    public MeshClientBuilder clientFactory(ClientFactory factory) {
        this.factory = requireNonNull(factory, "factory");
        return this;
    }

    /**
     * Sets a parameter the stack's layers read when the stack is built, such as one a layer of your own declares
     * in {@link io.mesh4j.core.stack.Layer#requiredParams()}. The mesh sets its own ({@code SERVICE},
     * {@code TICKER}, the classifier, telemetry and policies) from this builder's other settings; a value set here
     * for one of those keys is replaced by the mesh's.
     *
     * @param <V> the type of the value
     * @param key the key, such as {@code AuditLayer.SINK}
     * @param value the value
     * @return this builder
     * @throws NullPointerException if {@code value} is {@code null}
     */
    public <V> MeshClientBuilder stackParam(StackParams.Key<V> key, V value) {
        if (MeshClient.PARAMS_SET_BY_THE_MESH.contains(key)) {
            throw new IllegalArgumentException(
                    "stack parameter '" + key.name() + "' is set by the mesh itself "
                            + "(expected: a parameter of your own layers; the mesh's own come from ticker(..), classifier(..), defaultPolicy(..) or telemetry(..))");
        }
        params = params.with(key, value);
        return this;
    }

    /**
     * Builds the client. It is a snapshot: changing this builder afterwards does not change it. The client
     * watches nothing until it is asked for a service's client.
     *
     * @return a new client
     * @throws IllegalStateException without an identity or {@link #plaintext()}, or with both
     * @throws IllegalArgumentException if the state directory cannot be used, or is not the identity's; when a layer
     *     needs a stack parameter nobody sets, or stands on the wrong side of RETRY for its role's scope
     */
    public MeshClient build() {
        if (identity == null && !plaintext) {
            throw new IllegalStateException("mesh4j encrypts by default: give the client its workload's identity "
                    + "(identity(WorkloadIdentity)) or opt out with plaintext()");
        }
        if (identity != null && plaintext) {
            throw new IllegalStateException("both identity(..) and plaintext() were set (expected: one of them)");
        }
        ClientStacks.checkScopes(stack);
        stack.checkParams(params, MeshClient.PARAMS_SET_BY_THE_MESH, "MeshClientBuilder.stackParam(..)");
        if (factory != null) {
            return new MeshClient(this, factory, false, null);
        }
        // The client's own factory tells it of every connection it opens, so that a change of trust (a root
        // retired, a peer revoked) closes the connections it no longer trusts.
        final TlsConnections connections = new TlsConnections("mesh client");
        return new MeshClient(
                this,
                ClientFactory.builder()
                        .connectionPoolListener(connections.poolListener())
                        .build(),
                true,
                connections);
    }
}
