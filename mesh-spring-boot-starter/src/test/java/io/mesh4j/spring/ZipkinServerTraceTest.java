package io.mesh4j.spring;

import static io.mesh4j.spring.ZipkinSpans.only;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpStatus;

import io.mesh4j.spring.apps.chainedorders.ChainedOrdersApplication;
import io.mesh4j.spring.apps.frontend.FrontendApplication;
import io.mesh4j.spring.apps.inventory.InventoryApplication;
import io.mesh4j.spring.line.BootLine;

/**
 * One request, from a Spring MVC controller through two mesh hops, is one trace in a real Zipkin server: the
 * frontend's Spring MVC server span is the root, the mesh's client span of the call its controller makes is its
 * child, then orders' mesh server span, the mesh's client span of the call orders makes to inventory while serving,
 * and inventory's mesh server span, each the child of the one before. Each application traces with Micrometer
 * Tracing over OpenTelemetry, as Spring Boot sets it up, and exports to Zipkin through the one exporter the starter
 * configures ({@code mesh.telemetry.zipkin-endpoint}).
 *
 * <p>Run on the Boot 4 line only: the Boot 3.5 starter's build leaves it out, as a Zipkin server's start costs CI
 * tens of seconds, and {@link TraceJoiningTest} shows the same parenting on both lines with a Zipkin API receiver.
 */
class ZipkinServerTraceTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final TestRegistry mesh = new TestRegistry();

    @TempDir
    Path logs;

    @Test
    void aRequestFromASpringControllerThroughTwoMeshHopsIsOneTraceInZipkin() throws Exception {
        try (RealZipkin zipkin = RealZipkin.start(logs.resolve("zipkin.log"));
                ConfigurableApplicationContext inventory = application(InventoryApplication.class, "inventory", zipkin)
                        .web(WebApplicationType.NONE)
                        .run();
                ConfigurableApplicationContext orders = application(ChainedOrdersApplication.class, "orders", zipkin)
                        .web(WebApplicationType.NONE)
                        .run();
                ConfigurableApplicationContext frontend = application(FrontendApplication.class, "frontend", zipkin)
                        .properties("server.port=0")
                        .run()) {
            final WebClient http = WebClient.of("http://127.0.0.1:" + BootLine.webServerPort(frontend));
            assertThat(http.get("/checkout/7").aggregate().join().contentUtf8()).isEqualTo("order 7: 3 in stock");

            // Zipkin's own query API, as a user would look the trace up: the traces inventory took part in.
            final List<JsonNode> trace = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> {
                        final AggregatedHttpResponse answer = zipkin.api()
                                .get("/api/v2/traces?serviceName=inventory&limit=10")
                                .aggregate()
                                .join();
                        if (!answer.status().equals(HttpStatus.OK)) {
                            return false;
                        }
                        final JsonNode traces = JSON.readTree(answer.contentUtf8());
                        trace.clear();
                        if (traces.size() == 1) {
                            traces.get(0).forEach(trace::add);
                        }
                        return trace.size() >= 5;
                    });

            final JsonNode springServer = only(trace, "frontend", "SERVER");
            final JsonNode frontendClient = only(trace, "frontend", "CLIENT");
            final JsonNode ordersServer = only(trace, "orders", "SERVER");
            final JsonNode ordersClient = only(trace, "orders", "CLIENT");
            final JsonNode inventoryServer = only(trace, "inventory", "SERVER");
            assertThat(trace).as("one trace of five spans").hasSize(5);

            assertThat(springServer.has("parentId"))
                    .as("Spring MVC's span is the root")
                    .isFalse();
            assertThat(springServer.path("name").asText()).containsIgnoringCase("/checkout/{id}");
            assertThat(frontendClient.path("parentId").asText())
                    .isEqualTo(springServer.path("id").asText());
            assertThat(frontendClient.path("tags").path("peer.service").asText())
                    .isEqualTo("orders");
            assertThat(ordersServer.path("parentId").asText())
                    .isEqualTo(frontendClient.path("id").asText());
            // Zipkin keeps names in lower case.
            assertThat(ordersServer.path("name").asText()).isEqualTo("get /orders/:id");
            assertThat(ordersClient.path("parentId").asText())
                    .isEqualTo(ordersServer.path("id").asText());
            assertThat(ordersClient.path("tags").path("peer.service").asText()).isEqualTo("inventory");
            assertThat(inventoryServer.path("parentId").asText())
                    .isEqualTo(ordersClient.path("id").asText());
            assertThat(inventoryServer.path("name").asText()).isEqualTo("get /stock/:sku");
        }
    }

    private SpringApplicationBuilder application(Class<?> application, String service, RealZipkin zipkin)
            throws Exception {
        return new SpringApplicationBuilder(application)
                .properties(mesh.properties(service))
                .properties(
                        // Every trace kept (Spring's default keeps one in ten), and spans sent to Zipkin as they end.
                        "management.tracing.sampling.probability=1.0",
                        "mesh.telemetry.zipkin-endpoint=" + zipkin.spansEndpoint());
    }
}
