package io.mesh4j.client;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Ticker;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.WebClientBuilder;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.util.SafeCloseable;

import io.mesh4j.client.balancer.Balancer;
import io.mesh4j.client.balancer.BalancerFactory;
import io.mesh4j.client.balancer.EndpointAvailability;
import io.mesh4j.client.breaker.EndpointBreakers;
import io.mesh4j.client.discovery.RegistryEndpointGroup;
import io.mesh4j.client.metrics.PickCounter;
import io.mesh4j.client.policy.ClientPolicies;
import io.mesh4j.client.tls.ServiceTls;
import io.mesh4j.core.classify.ResponseClassifier;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.registry.RegistryClient;
import io.mesh4j.core.stack.CommonParams;
import io.mesh4j.core.stack.Stack;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.core.telemetry.MeshMetrics;
import io.mesh4j.core.telemetry.MeshTelemetry;

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
 */
public final class MeshClient implements SafeCloseable {

    private static final Logger logger = LoggerFactory.getLogger(MeshClient.class);

    private final RegistryClient registry;
    private final ClientFactory factory;
    private final boolean ownsFactory;
    private final Stack<HttpClient> stack;
    private final BalancerFactory balancers;
    private final ClientPolicies policies;
    private final ResponseClassifier classifier;
    private final Ticker ticker;
    private final Clock clock;
    private final Duration watchWait;
    private final @Nullable WorkloadIdentity identity;
    private final MeshTelemetry telemetry;
    private final Map<ServiceName, ServiceClient> clients = new ConcurrentHashMap<>();

    MeshClient(MeshClientBuilder b, ClientFactory factory, boolean ownsFactory) {
        this.factory = factory;
        this.ownsFactory = ownsFactory;
        identity = b.identity;
        if (identity != null) {
            registry = identity.registryClient();
        } else {
            registry = RegistryClient.of(b.registryUri, factory);
            logger.warn("calling WITHOUT TLS (plaintext): the mesh is not encrypting this client's calls, and it "
                        + "cannot tell a real instance from an impostor");
        }
        stack = b.stack;
        balancers = b.balancer;
        policies = b.policies;
        classifier = b.classifier;
        ticker = b.ticker;
        clock = b.clock;
        watchWait = b.watchWait;
        telemetry = b.telemetry;
    }

    public static MeshClientBuilder builder(URI registryUri) {
        return new MeshClientBuilder(requireNonNull(registryUri, "registryUri"));
    }

    /**
     * The client of {@code service}, such as {@code "orders"}: paths are relative, {@code get("/orders/42")}.
     *
     * @throws IllegalArgumentException if {@code service} is not a valid service name
     */
    public WebClient webClient(String service) {
        return webClient(ServiceName.of(service));
    }

    public WebClient webClient(ServiceName service) {
        return serviceClient(service).webClient;
    }

    /**
     * The endpoints of {@code service} as the registry reports them, ejected ones included.
     */
    public RegistryEndpointGroup endpoints(ServiceName service) {
        return serviceClient(service).discovered;
    }

    /**
     * The services this client has called (or been asked for a client of), in name order.
     */
    public SortedSet<ServiceName> services() {
        return new TreeSet<>(clients.keySet());
    }

    /**
     * The per-endpoint breakers of {@code service}.
     */
    public EndpointBreakers breakers(ServiceName service) {
        return serviceClient(service).breakers;
    }

    /**
     * The policies the stack reads per call; replace one to change a service's timeouts or retries live.
     */
    public ClientPolicies policies() {
        return policies;
    }

    /**
     * The stack every service client is built with.
     */
    public Stack<HttpClient> stack() {
        return stack;
    }

    public MeshTelemetry telemetry() {
        return telemetry;
    }

    public RegistryClient registry() {
        return registry;
    }

    private ServiceClient serviceClient(ServiceName service) {
        requireNonNull(service, "service");
        return clients.computeIfAbsent(service, this::connect);
    }

    /**
     * The whole outbound path of one service, assembled in one place: discovery, ejection, balancing, stack.
     */
    private ServiceClient connect(ServiceName service) {
        final StackParams params = StackParams.empty()
                                              .with(CommonParams.SERVICE, service)
                                              .with(CommonParams.TICKER, ticker)
                                              .with(CommonParams.CLASSIFIER, classifier)
                                              .with(ClientPolicies.KEY, policies)
                                              .with(MeshTelemetry.KEY, telemetry);
        final MeshMetrics metrics = telemetry.metrics();
        // Who is there: the registry's instances of the service, kept current by a long-poll watch, from the
        // moment this workload has the certificate a TLS registry asks for.
        final RegistryEndpointGroup discovered =
                RegistryEndpointGroup.builder(registry, service)
                                     .wait(watchWait)
                                     .startAfter(identity != null ? identity.start()
                                                                  : CompletableFuture.completedFuture(null))
                                     .build();
        // Who is healthy: the same, minus the endpoints whose breaker is open.
        final EndpointBreakers breakers =
                EndpointBreakers.of(service, () -> policies.policyFor(service).breaker(), clock);
        breakers.onTransition((endpoint, from, to) -> metrics.breakerTransition(
                service.value(), PickCounter.nameOf(endpoint), from.name(), to.name()));
        // Who gets the next attempt: the balancer's pick among the healthy ones, passing over any whose breaker
        // has no trial call to spare.
        final Balancer balancer = balancers.newBalancer(
                params.with(EndpointAvailability.KEY, breakers::isAvailable));
        final EndpointGroup healthy = breakers.eject(
                discovered, PickCounter.counting(balancer.selectionStrategy(), service.value(), metrics));

        final WebClientBuilder builder =
                WebClient.builder(identity != null ? SessionProtocol.HTTPS : SessionProtocol.HTTP, healthy)
                         .factory(factory)
                         // The DEADLINE layer sets every call's timeout; none here lets it tell a timeout the
                         // caller set on a request from no timeout at all.
                         .responseTimeoutMillis(0);
        if (identity != null) {
            // Innermost: every attempt presents this workload's certificate and checks the server's SPIFFE ID.
            builder.decorator(new ServiceTls(identity, service)::decorate);
        }
        final WebClient webClient =
                // Then the balancer, which sees every attempt on its endpoint, then the layers in request order.
                builder.decorator(balancer::observe)
                       .decorator(stack.decorator(params.with(EndpointBreakers.KEY, breakers)))
                       .build();
        return new ServiceClient(webClient, discovered, healthy, breakers);
    }

    @Override
    public void close() {
        for (ServiceClient client : clients.values()) {
            client.healthy.close();
            client.discovered.close();
        }
        clients.clear();
        if (ownsFactory) {
            factory.close();
        }
    }

    @Override
    public String toString() {
        return "MeshClient(registry=" + registry.uri() + ", " + stack + ", services=" + clients.keySet() + ')';
    }

    private static final class ServiceClient {
        final WebClient webClient;
        final RegistryEndpointGroup discovered;
        final EndpointGroup healthy;
        final EndpointBreakers breakers;

        ServiceClient(WebClient webClient, RegistryEndpointGroup discovered, EndpointGroup healthy,
                      EndpointBreakers breakers) {
            this.webClient = webClient;
            this.discovered = discovered;
            this.healthy = healthy;
            this.breakers = breakers;
        }
    }
}
