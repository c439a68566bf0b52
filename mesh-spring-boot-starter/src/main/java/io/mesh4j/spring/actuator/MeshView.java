package io.mesh4j.spring.actuator;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.Endpoint;

import io.mesh4j.client.MeshClient;
import io.mesh4j.client.discovery.RegistryEndpointGroup;
import io.mesh4j.core.authz.AccessRule;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.server.MeshServer;

/**
 * What the application's mesh looks like now, as plain maps for the actuator's JSON: shared by the health
 * indicator and the endpoint so that both say the same.
 */
final class MeshView {

    private final @Nullable MeshServer server;
    private final @Nullable MeshClient client;
    private final @Nullable WorkloadIdentity identity;

    MeshView(@Nullable MeshServer server, @Nullable MeshClient client, @Nullable WorkloadIdentity identity) {
        this.server = server;
        this.client = client;
        this.identity = identity;
    }

    /** The workload's identity and its certificate's expiry; empty on a plaintext mesh. */
    Map<String, Object> identity() {
        final Map<String, Object> view = new LinkedHashMap<>();
        if (identity == null) {
            view.put("tls", "off");
            return view;
        }
        view.put("spiffeId", identity.id().toString());
        final @Nullable Instant expiresAt = identity.expiresAt();
        view.put("certificateExpiresAt", expiresAt != null ? expiresAt.toString() : "none yet");
        view.put("certificateValid", isCertificateValid());
        return view;
    }

    boolean isCertificateValid() {
        final @Nullable Instant expiresAt = identity != null ? identity.expiresAt() : null;
        return identity == null || expiresAt != null && Instant.now().isBefore(expiresAt);
    }

    /** The instance this application serves as, if it serves. */
    @Nullable Map<String, Object> server() {
        if (server == null) {
            return null;
        }
        final Map<String, Object> view = new LinkedHashMap<>();
        view.put("service", server.service().value());
        view.put("instanceId", server.instanceId().value());
        view.put("registered", server.isRegistered());
        view.put("stack", roles(server.stack().roles()));
        view.put("accessPolicy", server.pushedPolicy() == null ? "annotations"
                                                               : rules(server.pushedPolicy().rules()));
        return view;
    }

    /** The outbound stack and, per service called, the endpoints known and which are ejected. */
    @Nullable Map<String, Object> client() {
        if (client == null) {
            return null;
        }
        final Map<String, Object> view = new LinkedHashMap<>();
        view.put("registry", client.registry().uri().toString());
        view.put("stack", roles(client.stack().roles()));
        final Map<String, Object> services = new LinkedHashMap<>();
        for (ServiceName service : client.services()) {
            services.put(service.value(), endpoints(service));
        }
        view.put("services", services);
        return view;
    }

    /** How many endpoints each called service has now. */
    Map<String, Integer> endpointCounts() {
        final Map<String, Integer> counts = new LinkedHashMap<>();
        if (client != null) {
            for (ServiceName service : client.services()) {
                counts.put(service.value(), client.endpoints(service).endpoints().size());
            }
        }
        return counts;
    }

    private Map<String, Object> endpoints(ServiceName service) {
        final RegistryEndpointGroup group = client.endpoints(service);
        final Set<Endpoint> ejected = client.breakers(service).ejected();
        final List<Map<String, Object>> endpoints = new ArrayList<>();
        for (Endpoint endpoint : group.endpoints()) {
            final Map<String, Object> view = new LinkedHashMap<>();
            final @Nullable InstanceId id = endpoint.attr(RegistryEndpointGroup.INSTANCE_ID);
            view.put("instanceId", id != null ? id.value() : "?");
            view.put("address", endpoint.authority());
            view.put("zone", endpoint.attr(RegistryEndpointGroup.ZONE));
            view.put("weight", endpoint.weight());
            view.put("ejected", ejected.contains(endpoint));
            endpoints.add(view);
        }
        final Map<String, Object> view = new LinkedHashMap<>();
        view.put("servingLastKnown", group.isServingLastKnown());
        view.put("endpoints", endpoints);
        return view;
    }

    private static List<String> roles(List<?> roles) {
        return roles.stream().map(Object::toString).toList();
    }

    private static List<String> rules(List<AccessRule> rules) {
        return rules.stream().map(AccessRule::toString).toList();
    }
}
