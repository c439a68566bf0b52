package io.mesh4j.spring.actuator;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;

import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.server.Server;

import io.mesh4j.client.MeshClient;
import io.mesh4j.client.internal.ClientAccess;
import io.mesh4j.client.internal.discovery.RegistryEndpointGroup;
import io.mesh4j.client.internal.routing.ServiceEndpoints;
import io.mesh4j.core.admin.AdminServer;
import io.mesh4j.core.authz.AccessRule;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.identity.IdentityAccess;
import io.mesh4j.core.internal.policy.PolicyRegistry;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.RegistryException;
import io.mesh4j.core.internal.state.StateDir;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.server.MeshServer;

/**
 * What the application's mesh looks like now, as plain maps for the actuator's JSON: shared by the health
 * indicator and the endpoint so that both say the same.
 */
final class MeshView {

    /** How long the health check waits for the registry before calling it unreachable. */
    private static final Duration REGISTRY_PROBE_TIMEOUT = Duration.ofSeconds(2);

    private final @Nullable MeshServer server;
    private final @Nullable MeshClient client;
    private final @Nullable WorkloadIdentity identity;
    private final @Nullable AdminServer admin;

    MeshView(
            @Nullable MeshServer server,
            @Nullable MeshClient client,
            @Nullable WorkloadIdentity identity,
            @Nullable AdminServer admin) {
        this.server = server;
        this.client = client;
        this.identity = identity;
        this.admin = admin != null ? admin : server != null ? server.admin() : null;
    }

    /** The view of whichever of these beans the application has. */
    static MeshView of(
            ObjectProvider<MeshServer> server,
            ObjectProvider<MeshClient> client,
            ObjectProvider<WorkloadIdentity> identity,
            ObjectProvider<AdminServer> admin) {
        return new MeshView(
                server.getIfAvailable(), client.getIfAvailable(), identity.getIfAvailable(), admin.getIfAvailable());
    }

    /** The workload's identity and its certificate's expiry; {@code tls: off} on a plaintext mesh. */
    Map<String, Object> identity() {
        final Map<String, Object> view = new LinkedHashMap<>();
        if (identity == null) {
            view.put("tls", "off");
            return view;
        }
        view.put("spiffeId", identity.id().toString());
        final @Nullable Instant expiresAt = identity.expiresAt();
        view.put("certificateExpiresAt", expiresAt != null ? expiresAt.toString() : "none yet");
        if (expiresAt != null) {
            // Renewed at two thirds of its life: a value that only falls means renewals fail.
            view.put(
                    "certificateExpiresIn",
                    Duration.between(Instant.now(), expiresAt).withNanos(0).toString());
        }
        view.put("certificateValid", isCertificateValid());
        return view;
    }

    boolean isCertificateValid() {
        final @Nullable Instant expiresAt = identity != null ? identity.expiresAt() : null;
        return identity == null || expiresAt != null && Instant.now().isBefore(expiresAt);
    }

    /**
     * Whether the application runs from its last-known-good state ({@code mesh.state-dir}): from a restart until the
     * registry first answers.
     *
     * @return {@code running from last-known-good state of <time>}, or {@code null} when not
     */
    @Nullable
    String lastKnownGood() {
        if (identity != null) {
            final @Nullable StateDir state = IdentityAccess.STATE.get(identity).stateDir();
            if (state != null) {
                return state.status().describe();
            }
        }
        return server != null ? server.lastKnownGood() : null;
    }

    /**
     * Whether the registry answers now: any answer counts, an error answer included, for it proves the registry
     * is there; only a call that gets no answer in time does not.
     */
    Map<String, Object> registry() {
        final @Nullable RegistryClient registry = client != null
                ? ClientAccess.INTERNALS.get(client).registry()
                : identity != null ? IdentityAccess.REGISTRY_CLIENT.get(identity) : null;
        final Map<String, Object> view = new LinkedHashMap<>();
        if (registry == null) {
            return view;
        }
        view.put("address", registry.uri().toString());
        try {
            registry.trustBundle().get(REGISTRY_PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            view.put("reachable", true);
        } catch (ExecutionException e) {
            view.put("reachable", e.getCause() instanceof RegistryException);
            if (!(e.getCause() instanceof RegistryException)) {
                view.put("error", String.valueOf(e.getCause()));
            }
        } catch (TimeoutException e) {
            view.put("reachable", false);
            view.put("error", "no answer within " + REGISTRY_PROBE_TIMEOUT.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            view.put("reachable", false);
            view.put("error", "interrupted");
        }
        return view;
    }

    /** The instance this application serves as, if it serves. */
    @Nullable
    Map<String, Object> server() {
        if (server == null) {
            return null;
        }
        final Map<String, Object> view = new LinkedHashMap<>();
        view.put("service", server.service().value());
        view.put("instanceId", server.instanceId().value());
        view.put("serving", isServing(server));
        view.put("registered", server.isRegistered());
        view.put("stack", roles(server.stack().roles()));
        view.put(
                "accessPolicy",
                server.pushedPolicy() == null
                        ? "annotations"
                        : rules(server.pushedPolicy().rules()));
        // What decides a request no rule covers and no @AllowCallers decides: the service's default, else the mesh's.
        view.put("defaultPolicy", server.defaultPolicy().value());
        final Map<String, Object> routes = new LinkedHashMap<>();
        routes.put("registry", RouteConfigView.of(server.routeConfig(), -1));
        try {
            routes.put(
                    "annotations",
                    RouteConfigView.annotations(server.armeriaServer().serviceConfigs()));
        } catch (IllegalStateException e) {
            routes.put("annotations", "not serving yet");
        }
        view.put("routeConfig", routes);
        return view;
    }

    /**
     * Whether the server listens and is not shutting down: the one thing about it that the health turns DOWN for,
     * since a registration the registry lost for a while, or a registry that does not answer, leaves it serving.
     */
    private static boolean isServing(MeshServer server) {
        try {
            final Server armeria = server.armeriaServer();
            return !armeria.isClosing() && !armeria.activePorts().isEmpty();
        } catch (IllegalStateException e) {
            // Not listening yet: it is still waiting for its certificate or the registry's first answers.
            return false;
        }
    }

    /**
     * The outbound stack and, per service called, the endpoints known (and which are ejected) and the route config
     * in force.
     */
    @Nullable
    Map<String, Object> client() {
        if (client == null) {
            return null;
        }
        final Map<String, Object> view = new LinkedHashMap<>();
        view.put("registry", client.registryUri().toString());
        view.put("stack", roles(client.stack().roles()));
        final PolicyRegistry routeConfigs = ClientAccess.INTERNALS.get(client).routes();
        final SortedMap<ServiceName, RouteConfig> routes = routeConfigs.snapshot();
        final SortedSet<ServiceName> called = new TreeSet<>(client.services());
        called.addAll(routes.keySet());
        final Map<String, Object> services = new LinkedHashMap<>();
        for (ServiceName service : called) {
            final Map<String, Object> serviceView =
                    client.services().contains(service) ? endpoints(client, service) : new LinkedHashMap<>();
            final @Nullable RouteConfig config = routes.get(service);
            if (config != null) {
                serviceView.put(
                        "routeConfig",
                        RouteConfigView.of(config, routeConfigs.routes(service).index()));
            }
            services.put(service.value(), serviceView);
        }
        view.put("services", services);
        return view;
    }

    /** The admin endpoint's port, if the application has one. */
    @Nullable
    Integer adminPort() {
        return admin != null ? admin.port() : null;
    }

    /** How many endpoints each called service has now. */
    Map<String, Integer> endpointCounts() {
        final Map<String, Integer> counts = new LinkedHashMap<>();
        if (client != null) {
            for (ServiceName service : client.services()) {
                counts.put(service.value(), client.endpoints(service).size());
            }
        }
        return counts;
    }

    private static Map<String, Object> endpoints(MeshClient client, ServiceName service) {
        final Set<Endpoint> ejected = client.ejected(service);
        final Map<String, Object> view = new LinkedHashMap<>();
        final @Nullable ServiceEndpoints known =
                ClientAccess.INTERNALS.get(client).endpoints().apply(service).orElse(null);
        if (known == null) {
            return view;
        }
        final @Nullable RegistryEndpointGroup registry = known.registry();
        final List<Map<String, Object>> endpoints = new ArrayList<>();
        for (Endpoint endpoint : known.discovered().endpoints()) {
            final Map<String, Object> one = new LinkedHashMap<>();
            final @Nullable InstanceId id = endpoint.attr(RegistryEndpointGroup.INSTANCE_ID);
            one.put("instanceId", id != null ? id.value() : "?");
            one.put("address", endpoint.authority());
            one.put("zone", endpoint.attr(RegistryEndpointGroup.ZONE));
            one.put("weight", endpoint.weight());
            one.put("ejected", ejected.contains(endpoint));
            endpoints.add(one);
        }
        // Another discovery backend (static, DNS, Kubernetes) keeps its own last answer, and says nothing of it.
        view.put("servingLastKnown", registry != null && registry.isServingLastKnown());
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
