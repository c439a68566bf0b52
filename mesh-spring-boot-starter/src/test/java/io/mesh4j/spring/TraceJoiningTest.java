package io.mesh4j.spring;

import static io.mesh4j.spring.ZipkinSpans.only;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.client.WebClient;

import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.spring.apps.frontend.FrontendApplication;
import io.mesh4j.spring.apps.tracedorders.TracedOrdersApplication;
import io.mesh4j.spring.line.BootLine;
import io.opentelemetry.api.OpenTelemetry;

/**
 * Two applications that trace with Micrometer Tracing over OpenTelemetry, as Spring Boot sets it up, and the mesh
 * between them over mTLS: one request is one trace in the Zipkin both export to, Spring's spans and the mesh's
 * nested as the request went. The frontend's Spring MVC server span is the parent of the mesh's client span of the
 * call its controller makes; that is the parent of the mesh's server span in orders, which is the parent of the
 * observation the orders handler opens.
 */
class TraceJoiningTest {

    @RegisterExtension
    final TestRegistry mesh = new TestRegistry();

    private ZipkinReceiver zipkin;

    @BeforeEach
    void start() {
        zipkin = new ZipkinReceiver();
    }

    @AfterEach
    void stop() {
        zipkin.close();
    }

    private String[] properties(String service) throws Exception {
        return Stream.concat(
                        Arrays.stream(mesh.properties(service)),
                        Stream.of(
                                // Every trace kept (Spring's default keeps one in ten), and spans sent to Zipkin
                                // as they end.
                                "management.tracing.sampling.probability=1.0",
                                "mesh.telemetry.zipkin-endpoint=" + zipkin.endpoint()))
                .toArray(String[]::new);
    }

    @Test
    void springsSpansAndTheMeshsAreOneTraceAcrossTwoApplications() throws Exception {
        try (ConfigurableApplicationContext orders = new SpringApplicationBuilder(TracedOrdersApplication.class)
                        .web(WebApplicationType.NONE)
                        .properties(properties("orders"))
                        .run();
                ConfigurableApplicationContext frontend = new SpringApplicationBuilder(FrontendApplication.class)
                        .properties(properties("frontend"))
                        .properties("server.port=0")
                        .run()) {
            // The mesh traces with the application's OpenTelemetry, the one Spring's tracer uses.
            assertThat(frontend.getBean(MeshTelemetry.class).openTelemetry())
                    .isSameAs(frontend.getBean(OpenTelemetry.class));

            final WebClient http = WebClient.of("http://127.0.0.1:" + BootLine.webServerPort(frontend));
            assertThat(http.get("/checkout/7").aggregate().join().contentUtf8()).isEqualTo("order 7: shipped");

            final JsonNode lookup = await().atMost(Duration.ofSeconds(20))
                    .until(
                            () -> find(span ->
                                    "orders.lookup".equals(span.path("name").asText())),
                            Optional::isPresent)
                    .orElseThrow();
            final String traceId = lookup.path("traceId").asText();
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> zipkin.spans().stream()
                                    .filter(span ->
                                            traceId.equals(span.path("traceId").asText()))
                                    .count()
                            >= 4);
            final List<JsonNode> trace = zipkin.spans().stream()
                    .filter(span -> traceId.equals(span.path("traceId").asText()))
                    .toList();

            final JsonNode ordersServer = only(trace, "orders", "SERVER");
            final JsonNode meshClient = only(trace, "frontend", "CLIENT");
            final JsonNode springServer = only(trace, "frontend", "SERVER");
            assertThat(ordersServer.path("name").asText()).isEqualTo("GET /orders/:id");
            assertThat(meshClient.path("tags").path("peer.service").asText()).isEqualTo("orders");
            assertThat(springServer.path("name").asText()).containsIgnoringCase("/checkout/{id}");

            assertThat(springServer.has("parentId"))
                    .as("Spring MVC's span is the root")
                    .isFalse();
            assertThat(meshClient.path("parentId").asText())
                    .isEqualTo(springServer.path("id").asText());
            assertThat(ordersServer.path("parentId").asText())
                    .isEqualTo(meshClient.path("id").asText());
            assertThat(lookup.path("parentId").asText())
                    .isEqualTo(ordersServer.path("id").asText());
            assertThat(lookup.path("localEndpoint").path("serviceName").asText())
                    .isEqualTo("orders");
        }
    }

    private Optional<JsonNode> find(Predicate<JsonNode> which) {
        return zipkin.spans().stream().filter(which).findFirst();
    }
}
