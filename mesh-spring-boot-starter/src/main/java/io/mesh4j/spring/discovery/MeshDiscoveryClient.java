package io.mesh4j.spring.discovery;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;

import com.linecorp.armeria.client.Endpoint;

import io.mesh4j.client.MeshClient;
import io.mesh4j.client.internal.ClientAccess;
import io.mesh4j.client.internal.discovery.RegistryEndpointGroup;
import io.mesh4j.core.discovery.Instance;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.ServiceSummary;

/**
 * Spring Cloud's {@link DiscoveryClient} of the mesh's registry: the services that have instances now, and each
 * instance with its id, host, port and metadata (its {@code mesh.metadata.*}, and {@code zone} when it has one, which
 * Spring Cloud LoadBalancer's zone preference reads). It asks the registry on each call, as Spring Cloud's Consul
 * and Eureka clients do (Spring Cloud LoadBalancer caches what it is told); while the registry does not answer, it
 * tells what the application's mesh client last heard of the services it calls, so a registry outage does not empty
 * the lists.
 *
 * <p>{@link ServiceInstance#isSecure()} is true with mTLS ({@code mesh.tls}): an instance then answers only a caller
 * with a mesh certificate, so call it through the mesh (a {@code @ServiceClient}, a {@code @ThroughMesh}
 * {@code RestClient}) rather than by its address.
 */
public final class MeshDiscoveryClient implements DiscoveryClient {

    private static final Logger logger = LoggerFactory.getLogger(MeshDiscoveryClient.class);

    private final MeshClient mesh;
    private final boolean secure;
    private final Duration timeout;

    /**
     * Returns a discovery client of {@code mesh}'s registry.
     *
     * @param mesh the application's mesh client, whose registry is asked
     * @param secure whether the instances speak mTLS
     * @param timeout how long a call waits for the registry before answering from the last-known endpoints
     */
    public MeshDiscoveryClient(MeshClient mesh, boolean secure, Duration timeout) {
        this.mesh = requireNonNull(mesh, "mesh");
        this.secure = secure;
        this.timeout = requireNonNull(timeout, "timeout");
    }

    @Override
    public String description() {
        return "mesh4j registry " + mesh.registryUri();
    }

    @Override
    public List<String> getServices() {
        try {
            final List<String> services = new ArrayList<>();
            for (ServiceSummary summary : await(registry().services())) {
                if (summary.instances() > 0) {
                    services.add(summary.name().value());
                }
            }
            return services;
        } catch (RegistryAway e) {
            logger.debug("the registry did not answer; listing the services this application calls", e);
            final List<String> services = new ArrayList<>();
            for (ServiceName service : mesh.services()) {
                if (!mesh.endpoints(service).isEmpty()) {
                    services.add(service.value());
                }
            }
            return services;
        }
    }

    @Override
    public List<ServiceInstance> getInstances(String serviceId) {
        final ServiceName service;
        try {
            service = ServiceName.of(requireNonNull(serviceId, "serviceId"));
        } catch (IllegalArgumentException e) {
            // No service can have such a name: it has no instance, as Spring Cloud's clients answer for one unknown.
            return List.of();
        }
        try {
            final List<ServiceInstance> instances = new ArrayList<>();
            for (Instance instance : await(registry().instances(service)).instances()) {
                instances.add(new DefaultServiceInstance(
                        instance.id().value(),
                        service.value(),
                        instance.host(),
                        instance.port(),
                        secure,
                        metadata(instance.metadata(), instance.zone())));
            }
            return instances;
        } catch (RegistryAway e) {
            logger.debug("the registry did not answer; the last-known endpoints of {}", service, e);
            final List<ServiceInstance> instances = new ArrayList<>();
            for (Endpoint endpoint : mesh.endpoints(service)) {
                final @Nullable InstanceId id = endpoint.attr(RegistryEndpointGroup.INSTANCE_ID);
                instances.add(new DefaultServiceInstance(
                        id != null ? id.value() : endpoint.authority(),
                        service.value(),
                        endpoint.host(),
                        endpoint.port(),
                        secure,
                        Map.of()));
            }
            return instances;
        }
    }

    @Override
    public void probe() {
        getServices();
    }

    private RegistryClient registry() {
        return ClientAccess.INTERNALS.get(mesh).registry();
    }

    private <T> T await(java.util.concurrent.CompletableFuture<T> answer) {
        try {
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            answer.cancel(false);
            throw new RegistryAway(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryAway(e);
        }
    }

    private static Map<String, String> metadata(Map<String, String> metadata, String zone) {
        final Map<String, String> all = new LinkedHashMap<>(metadata);
        if (!zone.isEmpty()) {
            all.putIfAbsent("zone", zone);
        }
        return all;
    }

    @Override
    public String toString() {
        return "MeshDiscoveryClient(" + mesh.registryUri() + ')';
    }

    /** The registry gave no usable answer in time. */
    private static final class RegistryAway extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RegistryAway(Throwable cause) {
            super(cause);
        }
    }
}
