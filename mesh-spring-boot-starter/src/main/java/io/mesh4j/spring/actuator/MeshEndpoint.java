package io.mesh4j.spring.actuator;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * {@code /actuator/mesh}: the live stacks (roles in request order), the endpoints known per called service and
 * which are ejected, the access policy in force, and the workload's identity and certificate expiry.
 */
@Endpoint(id = "mesh")
public final class MeshEndpoint {

    private final MeshView view;

    MeshEndpoint(MeshView view) {
        this.view = view;
    }

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
        return mesh;
    }
}
