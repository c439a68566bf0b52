package io.mesh4j.spring.actuator;

import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * {@code /actuator/mesh}: the live stacks (roles in request order), the endpoints known per called service and
 * which are ejected, the route config in force per called service and for the application's own routes (the
 * registry's, and its policy annotations'), the access policy in force, the workload's identity and certificate
 * expiry, and the admin endpoint's port. Expose it like any actuator endpoint:
 * {@code management.endpoints.web.exposure.include=health,mesh}.
 */
@Endpoint(id = "mesh")
public final class MeshEndpoint {

    private final MeshView view;

    MeshEndpoint(MeshView view) {
        this.view = view;
    }

    /**
     * Returns the mesh's state now, as JSON: {@code identity}, then {@code server} and {@code client} when the
     * application has them, and {@code adminPort} when it has an admin endpoint.
     *
     * @return a map in that order, which the actuator writes as JSON
     */
    @ReadOperation
    public Map<String, Object> mesh() {
        final Map<String, Object> mesh = new LinkedHashMap<>();
        mesh.put("identity", view.identity());
        final Map<String, Object> server = view.server();
        if (server != null) {
            mesh.put("server", server);
        }
        final Map<String, Object> client = view.client();
        if (client != null) {
            mesh.put("client", client);
        }
        final @Nullable Integer adminPort = view.adminPort();
        if (adminPort != null) {
            mesh.put("adminPort", adminPort);
        }
        return mesh;
    }
}
