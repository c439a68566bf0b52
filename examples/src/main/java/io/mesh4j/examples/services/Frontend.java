package io.mesh4j.examples.services;

import java.net.URI;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;

import io.mesh4j.client.MeshClient;
import io.mesh4j.server.MeshServer;
import io.mesh4j.server.MeshServerBuilder;

/**
 * The front of the chain: a checkout page that shows an order, asked of orders through the mesh.
 */
public final class Frontend {

    public static final String SERVICE = "frontend";

    public static MeshServerBuilder server(URI registry, MeshClient mesh, String instanceId) {
        final WebClient orders = mesh.webClient(Orders.SERVICE);
        return MeshServer.builder(SERVICE, registry)
                .instanceId(instanceId)
                .service(
                        "/checkout/{id}",
                        (ctx, req) -> HttpResponse.of(orders.get("/orders/" + ctx.pathParam("id"))
                                .aggregate()
                                .thenApply(order -> {
                                    if (!order.status().isSuccess()) {
                                        return HttpResponse.of(
                                                HttpStatus.BAD_GATEWAY,
                                                MediaType.PLAIN_TEXT_UTF_8,
                                                "orders answered " + order.status());
                                    }
                                    return HttpResponse.of(
                                            MediaType.JSON_UTF_8, "{\"checkout\":%s}", order.contentUtf8());
                                })));
    }

    private Frontend() {}
}
