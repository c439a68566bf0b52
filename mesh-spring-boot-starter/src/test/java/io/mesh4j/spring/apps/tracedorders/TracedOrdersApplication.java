package io.mesh4j.spring.apps.tracedorders;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.ProducesJson;

import io.mesh4j.core.annotation.MeshService;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

/** Orders, whose handler does its work in an observation of its own, as an {@code @Observed} method would. */
@SpringBootConfiguration
@EnableAutoConfiguration
public class TracedOrdersApplication {

    /** An order, as the service answers it. */
    public record Order(String id, String status) {}

    @MeshService
    public static final class OrdersApi {

        private final ObservationRegistry observations;

        OrdersApi(ObservationRegistry observations) {
            this.observations = observations;
        }

        @Get("/orders/{id}")
        @ProducesJson
        public Order order(@Param String id) {
            return Observation.createNotStarted("orders.lookup", observations).observe(() -> new Order(id, "shipped"));
        }
    }

    @Bean
    OrdersApi ordersApi(ObservationRegistry observations) {
        return new OrdersApi(observations);
    }
}
