package io.mesh4j.examples.springboot.shop;

import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;

import io.mesh4j.core.annotation.Retry;
import io.mesh4j.core.annotation.ServiceClient;
import io.mesh4j.core.annotation.Timeout;

/**
 * The shop's view of the catalog: the mesh implements it, finds the catalog's instances, balances, retries and
 * times out the calls, over mTLS that checks the answer comes from the catalog.
 */
@ServiceClient("catalog")
public interface CatalogClient {

    /** An item, as the shop reads it. */
    record Item(String sku, String name, int priceCents, String servedBy) {}

    @Get("/items/{sku}")
    @Timeout(1000)
    @Retry(attempts = 3)
    Item item(@Param("sku") String sku);
}
