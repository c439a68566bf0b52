package io.mesh4j.spring.apps.restcaller;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

import io.mesh4j.spring.http.ThroughMesh;

/** A web application that calls orders with Spring's {@code RestClient}, by URL, as it would without a mesh. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(RestCallerApplication.OrderController.class)
public class RestCallerApplication {

    @Bean
    @ThroughMesh
    RestClient.Builder meshRestClient() {
        return RestClient.builder();
    }

    /** Answers with what orders answers. */
    @RestController
    public static class OrderController {

        private final RestClient orders;

        OrderController(@ThroughMesh RestClient.Builder rest) {
            orders = rest.baseUrl("http://orders").build();
        }

        @GetMapping("/order/{id}")
        String order(@PathVariable String id) {
            return orders.get().uri("/orders/{id}", id).retrieve().body(String.class);
        }
    }
}
