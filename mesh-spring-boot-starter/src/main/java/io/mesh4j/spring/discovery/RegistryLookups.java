package io.mesh4j.spring.discovery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;

import com.linecorp.armeria.client.Endpoint;

import io.mesh4j.client.MeshClient;
import io.mesh4j.client.internal.ClientAccess;
import io.mesh4j.client.internal.discovery.RegistryEndpointGroup;
import io.mesh4j.core.discovery.Instance;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.ServiceSummary;

/**
 * What the blocking and the reactive discovery clients ask the registry, without blocking: the services with
 * instances, and the instances of one, each answer a future that never fails. While the registry does not answer
 * within the timeout, the answer is what the application's mesh client last heard of the services it calls, so a
 * registry outage does not empty the lists.
 */
final class RegistryLookups {

    private static final Logger logger = LoggerFactory.getLogger(RegistryLookups.class);

    private final MeshClient mesh;
    private final boolean secure;
    private final Duration timeout;

    RegistryLookups(MeshClient mesh, boolean secure, Duration timeout) {
        this.mesh = mesh;
        this.secure = secure;
        this.timeout = timeout;
    }

    String description() {
        return "mesh4j registry " + mesh.registryUri();
    }

    /** The names of the services that have instances now. */
    CompletableFuture<List<String>> services() {
        return registry(ClientAccess.INTERNALS.get(mesh).registry().services()).handle((summaries, e) -> {
            if (e != null) {
                logger.debug("the registry did not answer; listing the services this application calls", e);
                return lastKnownServices();
            }
            final List<String> services = new ArrayList<>();
            for (ServiceSummary summary : summaries) {
                if (summary.instances() > 0) {
                    services.add(summary.name().value());
                }
            }
            return services;
        });
    }

    /** The instances of {@code serviceId}: none for a name no service can have, as Spring Cloud answers. */
    CompletableFuture<List<ServiceInstance>> instances(String serviceId) {
        final ServiceName service;
        try {
            service = ServiceName.of(serviceId);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(List.of());
        }
        return registry(ClientAccess.INTERNALS.get(mesh).registry().instances(service))
                .handle((answer, e) -> {
                    if (e != null) {
                        logger.debug("the registry did not answer; the last-known endpoints of {}", service, e);
                        return lastKnownInstances(service);
                    }
                    final List<ServiceInstance> instances = new ArrayList<>();
                    for (Instance instance : answer.instances()) {
                        instances.add(new DefaultServiceInstance(
                                instance.id().value(),
                                service.value(),
                                instance.host(),
                                instance.port(),
                                secure,
                                metadata(instance.metadata(), instance.zone())));
                    }
                    return instances;
                });
    }

    /** The registry's answer, or a {@code TimeoutException} once the timeout has passed without one. */
    private <T> CompletableFuture<T> registry(CompletableFuture<T> answer) {
        return answer.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private List<String> lastKnownServices() {
        final List<String> services = new ArrayList<>();
        for (ServiceName service : mesh.services()) {
            if (!mesh.endpoints(service).isEmpty()) {
                services.add(service.value());
            }
        }
        return services;
    }

    private List<ServiceInstance> lastKnownInstances(ServiceName service) {
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

    private static Map<String, String> metadata(Map<String, String> metadata, String zone) {
        final Map<String, String> all = new LinkedHashMap<>(metadata);
        if (!zone.isEmpty()) {
            all.putIfAbsent("zone", zone);
        }
        return all;
    }

    @Override
    public String toString() {
        return mesh.registryUri().toString();
    }
}
