package io.mesh4j.examples.services;

import java.net.URI;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;

import io.mesh4j.server.MeshServer;
import io.mesh4j.server.MeshServerBuilder;

/**
 * The last service of the chain: answers how many of a product are in stock. Calls nobody.
 */
public final class Inventory {

    public static final String SERVICE = "inventory";

    /**
     * An inventory instance, ready to build or adjust further.
     */
    public static MeshServerBuilder server(URI registry, String instanceId) {
        return MeshServer.builder(SERVICE, registry).instanceId(instanceId).service("/inventory/{sku}", (ctx, req) -> {
            final String sku = ctx.pathParam("sku");
            final int inStock = Math.floorMod(sku.hashCode(), 100);
            return HttpResponse.of(MediaType.JSON_UTF_8, "{\"sku\":\"%s\",\"inStock\":%d}", sku, inStock);
        });
    }

    private Inventory() {}
}
