package io.mesh4j.spring.apps.chainedorders;

import java.util.concurrent.CompletableFuture;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.ProducesJson;

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.annotation.MeshService;

/** The middle of a chain: an order, with its stock asked of inventory through the mesh while serving it. */
@SpringBootConfiguration
@EnableAutoConfiguration
public class ChainedOrdersApplication {

    /** An order, as the service answers it. */
    public record Order(String id, String status) {}

    @MeshService
    public static final class OrdersApi {

        private final WebClient inventory;

        OrdersApi(MeshClient mesh) {
            inventory = mesh.webClient("inventory");
        }

        @Get("/orders/{id}")
        @ProducesJson
        public CompletableFuture<Order> order(@Param String id) {
            // Called while serving, on the request's event loop: the mesh's client span is the server span's child.
            return inventory
                    .get("/stock/" + id)
                    .aggregate()
                    .thenApply(stock -> new Order(id, stock.contentUtf8() + " in stock"));
        }
    }

    @Bean
    OrdersApi ordersApi(MeshClient mesh) {
        return new OrdersApi(mesh);
    }
}
