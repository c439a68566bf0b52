package io.mesh4j.spring.discovery;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;

import io.mesh4j.client.MeshClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Spring Cloud's {@link ReactiveDiscoveryClient} of the mesh's registry, for reactive applications: what
 * {@link MeshDiscoveryClient} answers, without blocking a thread. Each subscription asks the registry anew; while the
 * registry does not answer, it tells what the application's mesh client last heard of the services it calls.
 */
public final class MeshReactiveDiscoveryClient implements ReactiveDiscoveryClient {

    private final RegistryLookups registry;

    /**
     * Returns a reactive discovery client of {@code mesh}'s registry.
     *
     * @param mesh the application's mesh client, whose registry is asked
     * @param secure whether the instances speak mTLS
     * @param timeout how long a call waits for the registry before answering from the last-known endpoints
     */
    public MeshReactiveDiscoveryClient(MeshClient mesh, boolean secure, Duration timeout) {
        registry = new RegistryLookups(requireNonNull(mesh, "mesh"), secure, requireNonNull(timeout, "timeout"));
    }

    @Override
    public String description() {
        return registry.description();
    }

    @Override
    public Flux<ServiceInstance> getInstances(String serviceId) {
        requireNonNull(serviceId, "serviceId");
        return Mono.fromFuture(() -> registry.instances(serviceId)).flatMapMany(Flux::fromIterable);
    }

    @Override
    public Flux<String> getServices() {
        return Mono.fromFuture(registry::services).flatMapMany(Flux::fromIterable);
    }

    @Override
    public String toString() {
        return "MeshReactiveDiscoveryClient(" + registry + ')';
    }
}
