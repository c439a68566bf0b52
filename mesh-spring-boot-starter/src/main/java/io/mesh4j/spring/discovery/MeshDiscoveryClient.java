package io.mesh4j.spring.discovery;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;

import io.mesh4j.client.MeshClient;

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

    private final RegistryLookups registry;

    /**
     * Returns a discovery client of {@code mesh}'s registry.
     *
     * @param mesh the application's mesh client, whose registry is asked
     * @param secure whether the instances speak mTLS
     * @param timeout how long a call waits for the registry before answering from the last-known endpoints
     */
    public MeshDiscoveryClient(MeshClient mesh, boolean secure, Duration timeout) {
        registry = new RegistryLookups(requireNonNull(mesh, "mesh"), secure, requireNonNull(timeout, "timeout"));
    }

    @Override
    public String description() {
        return registry.description();
    }

    @Override
    public List<String> getServices() {
        return registry.services().join();
    }

    @Override
    public List<ServiceInstance> getInstances(String serviceId) {
        return registry.instances(requireNonNull(serviceId, "serviceId")).join();
    }

    @Override
    public void probe() {
        getServices();
    }

    @Override
    public String toString() {
        return "MeshDiscoveryClient(" + registry + ')';
    }
}
