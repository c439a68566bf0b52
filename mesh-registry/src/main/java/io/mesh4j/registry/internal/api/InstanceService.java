package io.mesh4j.registry.internal.api;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.RegistryJson;
import io.mesh4j.registry.internal.instances.InstanceTable;

/**
 * The calls on one instance, {@code /v1/services/{service}/instances/{id}}: register (PUT), heartbeat
 * (PUT .../heartbeat) and deregister (DELETE). Each reads its body whole, even where it means nothing, so that an
 * oversized one is refused the same way everywhere; the Content-Type is ignored, so that {@code curl -d} works.
 */
final class InstanceService {

    private final InstanceTable table;

    InstanceService(InstanceTable table) {
        this.table = table;
    }

    /** Register or update; answers {@code {"index": N}} once the change is durable. */
    HttpResponse register(ServiceRequestContext ctx, HttpRequest req) {
        final ServiceName service = PathNames.service(ctx);
        final InstanceId id = PathNames.instanceId(ctx);
        return HttpResponse.of(req.aggregate()
                .thenCompose(body -> table.register(
                        service,
                        id,
                        RegistryJson.parseRegistration(body.content().array())))
                .thenApply(JsonResponses::index));
    }

    /** Renews the TTL (in memory, or in etcd) and answers the service's index; 404 once expired, so that it registers again. */
    HttpResponse heartbeat(ServiceRequestContext ctx, HttpRequest req) {
        final ServiceName service = PathNames.service(ctx);
        final InstanceId id = PathNames.instanceId(ctx);
        return HttpResponse.of(req.aggregate()
                .thenCompose(ignored -> table.renew(service, id))
                .thenApply(index -> {
                    return index.isPresent()
                            ? JsonResponses.index(index.getAsLong())
                            : notRegistered(
                                    service,
                                    id,
                                    "it expired, or never registered: register it "
                                            + "again with PUT /v1/services/" + service
                                            + "/instances/" + id);
                }));
    }

    /** Deregister (drain); answers the index of the removal once durable, or 404 if it is not registered. */
    HttpResponse deregister(ServiceRequestContext ctx, HttpRequest req) {
        final ServiceName service = PathNames.service(ctx);
        final InstanceId id = PathNames.instanceId(ctx);
        return HttpResponse.of(req.aggregate()
                .thenCompose(ignored -> table.deregister(service, id))
                .thenApply(index -> index.isPresent()
                        ? JsonResponses.index(index.getAsLong())
                        : notRegistered(service, id, "nothing to deregister")));
    }

    private static HttpResponse notRegistered(ServiceName service, InstanceId id, String what) {
        return JsonResponses.error(
                ErrorCode.NOT_FOUND, "instance " + id + " of " + service + " is not registered (" + what + ')');
    }
}
