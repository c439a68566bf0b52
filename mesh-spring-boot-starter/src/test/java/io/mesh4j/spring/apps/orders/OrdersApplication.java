package io.mesh4j.spring.apps.orders;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.ProducesJson;

import io.mesh4j.core.annotation.MeshService;
import io.mesh4j.core.annotation.Timeout;

/** A service that serves one route through the mesh, and calls nobody. */
@SpringBootConfiguration
@EnableAutoConfiguration
public class OrdersApplication {

    /** An order, as the service answers it. */
    public record Order(String id, String status) {}

    @MeshService
    public static final class OrdersApi {
        @Get("/orders/{id}")
        @ProducesJson
        @Timeout(1500)
        public Order order(@Param String id) {
            return new Order(id, "shipped");
        }
    }

    @Bean
    OrdersApi ordersApi() {
        return new OrdersApi();
    }
}
