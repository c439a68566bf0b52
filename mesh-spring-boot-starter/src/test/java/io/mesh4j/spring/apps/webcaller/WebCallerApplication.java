package io.mesh4j.spring.apps.webcaller;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;

import io.mesh4j.spring.http.ThroughMesh;

/**
 * A Spring MVC application that calls orders with Spring's {@code WebClient}, by URL, as it would without a mesh;
 * and has a second builder, not marked, for calls outside the mesh.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(WebCallerApplication.OrderController.class)
public class WebCallerApplication {

    @Bean
    @ThroughMesh
    WebClient.Builder meshWebClient() {
        return WebClient.builder();
    }

    @Bean
    WebClient.Builder plainWebClient() {
        return WebClient.builder();
    }

    /** Answers with what orders answers, and to a ping. */
    @RestController
    public static class OrderController {

        private final WebClient orders;

        OrderController(@ThroughMesh WebClient.Builder web) {
            orders = web.clone().baseUrl("http://orders").build();
        }

        @GetMapping("/order/{id}")
        String order(@PathVariable String id) {
            return orders.get()
                    .uri("/orders/{id}", id)
                    .retrieve()
                    .bodyToMono(String.class)
                    .block();
        }

        @GetMapping("/ping")
        String ping() {
            return "pong";
        }
    }
}
