package io.mesh4j.client;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.github.benmanes.caffeine.cache.Ticker;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.util.SafeCloseable;

import io.mesh4j.client.balancer.Balancer;
import io.mesh4j.client.balancer.BalancerFactory;
import io.mesh4j.client.breaker.EndpointBreakers;
import io.mesh4j.client.discovery.RegistryEndpointGroup;
import io.mesh4j.client.metrics.PickCounter;
import io.mesh4j.client.policy.ClientPolicies;
import io.mesh4j.core.classify.ResponseClassifier;
import io.mesh4j.core.discovery.ServiceName;
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
 * MeshClient mesh = MeshClient.builder(URI.create("http://registry:7070")).build();
 * WebClient orders = mesh.webClient("orders");
 * AggregatedHttpResponse res = orders.get("/orders/42").aggregate().join();
 * }</pre>
 *
 * <p>Clients are made once per service and shared: ask for the same service again and you get the same
 * client. Close the mesh client to stop watching the registry and close its connections.
 */
public final class MeshClient implements SafeCloseable {

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
    private final MeshTelemetry telemetry;
    private final Map<ServiceName, ServiceClient> clients = new ConcurrentHashMap<>();

    MeshClient(MeshClientBuilder b, ClientFactory factory, boolean ownsFactory) {
        this.factory = factory;
        this.ownsFactory = ownsFactory;
        registry = RegistryClient.of(b.registryUri, factory);
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
        // Who is there: the registry's instances of the service, kept current by a long-poll watch.
        final RegistryEndpointGroup discovered = RegistryEndpointGroup.builder(registry, service)
                                                                      .wait(watchWait)
                                                                      .build();
        // Who is healthy: the same, minus the endpoints whose breaker is open.
        final EndpointBreakers breakers =
                EndpointBreakers.of(service, () -> policies.policyFor(service).breaker(), clock);
        breakers.onTransition((endpoint, from, to) -> metrics.breakerTransition(
                service.value(), PickCounter.nameOf(endpoint), from.name(), to.name()));
        // Who gets the next attempt: the balancer's pick among the healthy ones.
        final Balancer balancer = balancers.newBalancer(params);
        final EndpointGroup healthy = breakers.eject(
                discovered, PickCounter.counting(balancer.selectionStrategy(), service.value(), metrics));

        final WebClient webClient =
                WebClient.builder(SessionProtocol.HTTP, healthy)
                         .factory(factory)
                         // The DEADLINE layer sets every call's timeout; none here lets it tell a timeout the
                         // caller set on a request from no timeout at all.
                         .responseTimeoutMillis(0)
                         // Innermost, added first: the balancer sees every attempt on its endpoint.
                         .decorator(balancer::observe)
                         // Then the layers, in the stack's request order.
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
