package io.mesh4j.examples.springboot.catalog;

import java.util.Map;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.HttpStatusException;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.ProducesJson;

import io.mesh4j.core.annotation.MeshService;
import io.mesh4j.core.annotation.RateLimit;
import io.mesh4j.core.annotation.Timeout;
import io.mesh4j.server.MeshServer;

/**
 * The catalog's route, an Armeria annotated service: {@code @MeshService} has the starter serve it through the
 * mesh's inbound stack, where its policy annotations apply unless the registry's route config says otherwise.
 */
@Component
@MeshService
public class CatalogApi {

    /** An item, as the catalog answers it; {@code servedBy} says which instance answered. */
    public record Item(String sku, String name, int priceCents, String servedBy) {}

    private static final Map<String, Item> ITEMS = Map.of(
            "kettle", new Item("kettle", "Kettle, 1.7 l", 3_490, ""),
            "teapot", new Item("teapot", "Teapot, cast iron", 5_900, ""),
            "mug", new Item("mug", "Mug, stoneware", 1_250, ""));

    /** Asked at each request, not at construction: the mesh server is made from this bean, so after it. */
    private final ObjectProvider<MeshServer> server;

    public CatalogApi(ObjectProvider<MeshServer> server) {
        this.server = server;
    }

    @Get("/items/{sku}")
    @ProducesJson
    @RateLimit(500) // per instance: more is answered 429 with Retry-After
    @Timeout(500) // the handler's budget, bounded further by the caller's deadline
    public Item item(@Param String sku) {
        final Item item = ITEMS.get(sku);
        if (item == null) {
            throw HttpStatusException.of(HttpStatus.NOT_FOUND);
        }
        return new Item(
                item.sku(),
                item.name(),
                item.priceCents(),
                server.getObject().instanceId().value());
    }
}
