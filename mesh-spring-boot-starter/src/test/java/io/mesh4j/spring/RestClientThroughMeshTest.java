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
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClient;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;

import io.mesh4j.client.MeshClient;
import io.mesh4j.client.typed.MeshUnavailableException;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.spring.apps.orders.OrdersApplication;
import io.mesh4j.spring.apps.restcaller.RestCallerApplication;
import io.mesh4j.spring.line.BootLine;

/**
 * A Spring MVC application calls {@code http://orders/...} with Spring's {@code RestClient}, from a builder marked
 * {@code @ThroughMesh}, and the call goes through the mesh over mTLS to the orders application: found through the
 * registry, made with the caller's certificate, answered as any HTTP answer, and a 503 once orders is gone.
 */
class RestClientThroughMeshTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");

    @RegisterExtension
    final TestRegistry mesh = new TestRegistry();

    @Test
    void aRestClientMarkedThroughMeshCallsAServiceByNameOverMtls() throws Exception {
        final ConfigurableApplicationContext orders = new SpringApplicationBuilder(OrdersApplication.class)
                .web(WebApplicationType.NONE)
                .properties(mesh.properties("orders"))
                .run();
        try (ConfigurableApplicationContext caller = new SpringApplicationBuilder(RestCallerApplication.class)
                .properties(mesh.properties("caller"))
                // A call finds no endpoint once orders is gone, and waits for one until its deadline: 2 s rather
                // than the default 10 s, for each of the two such calls at the end.
                .properties("server.port=0", "mesh.client.timeout=2s")
                .run()) {
            final WebClient http = WebClient.of("http://127.0.0.1:" + BootLine.webServerPort(caller));
            try {
                assertThat(http.get("/order/7").aggregate().join().contentUtf8())
                        .isEqualTo("{\"id\":\"7\",\"status\":\"shipped\"}");

                // Orders saw the caller's certificate: the mesh's mTLS carried the call, not a plain connection.
                assertThat(orders.getBean(MeshTelemetry.class).scrape())
                        .containsPattern("mesh_server_requests_seconds_count\\{[^}]*peer=\"caller\"[^}]*"
                                + "route=\"/orders/:id\"");

                // Any answer is the response, as RestClient reads it: a 404 is its 404.
                final RestClient rest = caller.getBean(RestClient.Builder.class).build();
                assertThatThrownBy(() -> rest.get()
                                .uri("http://orders/no/such/route")
                                .retrieve()
                                .toBodilessEntity())
                        .isInstanceOf(HttpClientErrorException.NotFound.class);
                // A host that cannot be a service says what it expects.
                assertThatThrownBy(() -> rest.get()
                                .uri("http://Orders_Service/orders/7")
                                .retrieve()
                                .toBodilessEntity())
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("expected: http://<service>/path");
            } finally {
                orders.close();
            }

            // Orders deregistered as it closed; once the caller hears so, the mesh gives up on the call, and the
            // controller that let the exception through answers 503.
            final MeshClient mesh = caller.getBean(MeshClient.class);
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> mesh.endpoints(ORDERS).isEmpty());
            final RestClient rest = caller.getBean(RestClient.Builder.class).build();
            assertThatThrownBy(() ->
                            rest.get().uri("http://orders/orders/7").retrieve().body(String.class))
                    .isInstanceOf(MeshUnavailableException.class)
                    .hasMessageContaining("orders");
            final AggregatedHttpResponse unavailable =
                    http.get("/order/7").aggregate().join();
            assertThat(unavailable.status().code()).isEqualTo(503);
        }
    }
}
