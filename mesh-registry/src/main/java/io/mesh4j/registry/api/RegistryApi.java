package io.mesh4j.registry.api;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerBuilder;

import io.mesh4j.core.registry.ErrorCode;
import io.mesh4j.core.registry.RegistryJson;
import io.mesh4j.registry.instances.InstanceTable;

/**
 * The instance half of the registry contract (DESIGN.md, "The registry contract"), laid onto an Armeria server.
 */
public final class RegistryApi {

    /** The largest request body the registry reads; a registration is a few hundred bytes. */
    public static final int MAX_BODY_BYTES = 64 * 1024;

    static final String HEALTH = "/healthz";
    static final String SERVICES = "/v1/services";
    static final String INSTANCES = "/v1/services/{service}/instances";
    static final String INSTANCE = "/v1/services/{service}/instances/{id}";
    static final String HEARTBEAT = "/v1/services/{service}/instances/{id}/heartbeat";

    /** Every path served, for the message of a 404. */
    static final List<String> PATHS = List.of(HEALTH, SERVICES, INSTANCES, INSTANCE, HEARTBEAT);

    private static final byte[] SERVING = "{\"status\":\"serving\"}".getBytes(StandardCharsets.UTF_8);

    /** Adds the routes, the body limit and the JSON error bodies to {@code server}, serving {@code table}. */
    public static void addTo(ServerBuilder server, InstanceTable table) {
        requireNonNull(server, "server");
        requireNonNull(table, "table");
        final InstanceService instance = new InstanceService(table);
        final HttpService health = (ctx, req) -> {
            // 503 once the store has failed: the registry still answers reads but refuses every change.
            final @Nullable String refusal = table.refusal();
            return refusal == null ? JsonResponses.ok(SERVING) : JsonResponses.error(ErrorCode.UNAVAILABLE, refusal);
        };
        final HttpService services = (ctx, req) -> JsonResponses.ok(RegistryJson.writeServices(table.services()));
        server.maxRequestLength(MAX_BODY_BYTES)
              .errorHandler(new JsonErrorHandler())
              .service(HEALTH, new MethodRouter(Map.of(HttpMethod.GET, health)))
              .service(SERVICES, new MethodRouter(Map.of(HttpMethod.GET, services)))
              .service(INSTANCES, new MethodRouter(Map.of(HttpMethod.GET, new WatchService(table))))
              .service(INSTANCE, new MethodRouter(Map.of(HttpMethod.PUT, instance::register,
                                                         HttpMethod.DELETE, instance::deregister)))
              .service(HEARTBEAT, new MethodRouter(Map.of(HttpMethod.PUT, instance::heartbeat)));
    }

    private RegistryApi() {}
}
