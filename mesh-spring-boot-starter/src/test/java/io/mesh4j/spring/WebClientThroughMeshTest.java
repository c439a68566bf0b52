package io.mesh4j.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import org.springframework.web.reactive.function.client.WebClientResponseException;

import com.linecorp.armeria.common.AggregatedHttpResponse;

import io.mesh4j.client.MeshClient;
import io.mesh4j.client.typed.MeshUnavailableException;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.spring.apps.orders.OrdersApplication;
import io.mesh4j.spring.apps.webcaller.EchoService;
import io.mesh4j.spring.apps.webcaller.WebCallerApplication;
import io.mesh4j.spring.line.BootLine;

/**
 * A Spring MVC application calls {@code http://orders/...} with Spring's {@code WebClient}, from a builder marked
 * {@code @ThroughMesh}, and the call goes through the mesh over mTLS to the orders application: found through the
 * registry, made with the caller's certificate, its body sent whole, answered as any HTTP answer, and a
 * {@link MeshUnavailableException} (a 503 from the controller) once orders is gone. The application's other builder
 * is left alone.
 */
class WebClientThroughMeshTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");

    @RegisterExtension
    final TestRegistry mesh = new TestRegistry();

    @Test
    void aWebClientMarkedThroughMeshCallsAServiceByNameOverMtls() throws Exception {
        final ConfigurableApplicationContext orders = new SpringApplicationBuilder(
                        OrdersApplication.class, EchoService.class)
                .web(WebApplicationType.NONE)
                .properties(mesh.properties("orders"))
                .run();
        try (ConfigurableApplicationContext caller = new SpringApplicationBuilder(WebCallerApplication.class)
                .properties(mesh.properties("webcaller"))
                // A call finds no endpoint once orders is gone, and waits for one until its deadline: 2 s rather
                // than the default 10 s, for each of the two such calls at the end.
                .properties("server.port=0", "mesh.client.timeout=2s")
                .run()) {
            final int port = BootLine.webServerPort(caller);
            final com.linecorp.armeria.client.WebClient http =
                    com.linecorp.armeria.client.WebClient.of("http://127.0.0.1:" + port);
            final WebClient web =
                    caller.getBean("meshWebClient", WebClient.Builder.class).build();
            try {
                assertThat(http.get("/order/7").aggregate().join().contentUtf8())
                        .isEqualTo("{\"id\":\"7\",\"status\":\"shipped\"}");

                // Orders saw the caller's certificate: the mesh's mTLS carried the call, not a plain connection.
                assertThat(orders.getBean(MeshTelemetry.class).scrape())
                        .containsPattern("mesh_server_requests_seconds_count\\{[^}]*peer=\"webcaller\"[^}]*"
                                + "route=\"/orders/:id\"");

                // A request's body arrives whole.
                assertThat(web.post()
                                .uri("http://orders/echo")
                                .contentType(MediaType.TEXT_PLAIN)
                                .bodyValue("two words")
                                .retrieve()
                                .bodyToMono(String.class)
                                .block())
                        .isEqualTo("echo: two words");

                // Any answer is the response, as WebClient reads it: a 404 is its 404.
                assertThatThrownBy(() -> web.get()
                                .uri("http://orders/no/such/route")
                                .retrieve()
                                .toBodilessEntity()
                                .block())
                        .isInstanceOf(WebClientResponseException.NotFound.class);
                // A host that cannot be a service says what it expects.
                assertThatThrownBy(() -> web.get()
                                .uri("http://Orders_Service/orders/7")
                                .retrieve()
                                .toBodilessEntity()
                                .block())
                        .isInstanceOf(WebClientRequestException.class)
                        .cause()
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("expected: http://<service>/path");

                // The builder not marked is not the mesh's: it calls an address, which the mesh's would refuse.
                assertThat(caller.getBean("plainWebClient", WebClient.Builder.class)
                                .build()
                                .get()
                                .uri("http://127.0.0.1:" + port + "/ping")
                                .retrieve()
                                .bodyToMono(String.class)
                                .block())
                        .isEqualTo("pong");
            } finally {
                orders.close();
            }

            // Orders deregistered as it closed; once the caller hears so, the mesh gives up on the call: the caller
            // sees why, not WebClient's wrapper, and the controller that let the exception through answers 503.
            final MeshClient client = caller.getBean(MeshClient.class);
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> client.endpoints(ORDERS).isEmpty());
            assertThatThrownBy(() -> web.get()
                            .uri("http://orders/orders/7")
                            .retrieve()
                            .bodyToMono(String.class)
                            .block())
                    .isInstanceOf(MeshUnavailableException.class)
                    .hasMessageContaining("orders");
            final AggregatedHttpResponse unavailable =
                    http.get("/order/7").aggregate().join();
            assertThat(unavailable.status().code()).isEqualTo(503);
        }
    }
}
