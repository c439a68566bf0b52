package io.mesh4j.examples.services;

import java.net.URI;
import java.time.Duration;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;

import io.mesh4j.client.MeshClient;
import io.mesh4j.server.MeshServer;
import io.mesh4j.server.MeshServerBuilder;

/**
 * The middle of the chain: an order, with the stock of its product asked of inventory through the mesh.
 * The handler holds no retry, timeout or discovery code: the mesh client does all of it.
 */
public final class Orders {

    public static final String SERVICE = "orders";

    /**
     * An orders instance that answers {@code extraLatency} later than it could, to play a slow instance.
     */
    public static MeshServerBuilder server(URI registry, MeshClient mesh, String instanceId, Duration extraLatency) {
        final WebClient inventory = mesh.webClient(Inventory.SERVICE);
        return MeshServer.builder(SERVICE, registry).instanceId(instanceId).service("/orders/{id}", (ctx, req) -> {
            final String id = ctx.pathParam("id");
            final HttpResponse answer = HttpResponse.of(inventory
                    .get("/inventory/sku-" + id)
                    .aggregate()
                    .thenApply(stock -> {
                        if (!stock.status().isSuccess()) {
                            return HttpResponse.of(
                                    HttpStatus.BAD_GATEWAY,
                                    MediaType.PLAIN_TEXT_UTF_8,
                                    "inventory answered " + stock.status());
                        }
                        return HttpResponse.of(
                                MediaType.JSON_UTF_8,
                                "{\"order\":\"%s\",\"servedBy\":\"%s\",\"stock\":%s}",
                                id,
                                instanceId,
                                stock.contentUtf8());
                    }));
            return extraLatency.isZero() ? answer : HttpResponse.delayed(answer, extraLatency);
        });
    }

    private Orders() {}
}
