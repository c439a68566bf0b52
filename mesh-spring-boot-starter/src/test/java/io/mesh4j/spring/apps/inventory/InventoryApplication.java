package io.mesh4j.spring.apps.inventory;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;

import io.mesh4j.core.annotation.MeshService;

/** The end of a chain: answers the stock of a product, and calls nobody. */
@SpringBootConfiguration
@EnableAutoConfiguration
public class InventoryApplication {

    @MeshService
    public static final class InventoryApi {
        @Get("/stock/{sku}")
        public String stock(@Param String sku) {
            return sku.equals("7") ? "3" : "0";
        }
    }

    @Bean
    InventoryApi inventoryApi() {
        return new InventoryApi();
    }
}
