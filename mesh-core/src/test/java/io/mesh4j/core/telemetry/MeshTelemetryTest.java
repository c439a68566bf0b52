package io.mesh4j.core.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.testing.junit5.server.ServerExtension;

import io.mesh4j.core.classify.ResponseClass;
import io.mesh4j.core.internal.telemetry.TelemetryAccess;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;

class MeshTelemetryTest {

    /** A collector that keeps what it is sent: OTLP on /v1/traces, Zipkin JSON on /api/v2/spans. */
    private static final Queue<AggregatedHttpRequest> received = new ConcurrentLinkedQueue<>();

    @RegisterExtension
    static final ServerExtension collector = new ServerExtension() {
        @Override
        protected void configure(ServerBuilder sb) {
            sb.service(
                    "prefix:/",
                    (ctx, req) -> HttpResponse.of(req.aggregate().thenApply(agg -> {
                        received.add(agg);
                        return HttpResponse.of(200);
                    })));
        }
    };

    @Test
    void newTracesFollowTheRatioAndACallersDecisionIsKept() {
        try (MeshTelemetry never =
                MeshTelemetry.of(TelemetryConfig.builder().samplingRatio(0).build())) {
            final Span root = never.tracer().spanBuilder("root").startSpan();
            assertThat(root.getSpanContext().isSampled()).isFalse();
            assertThat(root.getSpanContext().isValid())
                    .as("an unsampled span still propagates")
                    .isTrue();

            final Context sampledParent = TelemetryAccess.PROPAGATION
                    .get(never)
                    .extract(RequestHeaders.builder(HttpMethod.GET, "/")
                            .add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
                            .build());
            final Span child =
                    never.tracer().spanBuilder("child").setParent(sampledParent).startSpan();
            assertThat(child.getSpanContext().isSampled()).isTrue();
            root.end();
            child.end();
        }
    }

    @Test
    void withNoExporterSpansPropagateRecordNothingAndTheSdkWaitsUntilAskedFor() {
        try (MeshTelemetry telemetry = MeshTelemetry.of(TelemetryConfig.ofDefaults())) {
            final Span root = telemetry.tracer().spanBuilder("root").startSpan();
            assertThat(root.getSpanContext().isValid()).isTrue();
            assertThat(root.getSpanContext().isSampled())
                    .as("the default ratio is 1")
                    .isTrue();
            assertThat(root.isRecording())
                    .as("nothing would read what it records")
                    .isFalse();

            final Span child = telemetry
                    .tracer()
                    .spanBuilder("child")
                    .setParent(Context.root().with(root))
                    .startSpan();
            assertThat(child.getSpanContext().getTraceId())
                    .isEqualTo(root.getSpanContext().getTraceId());
            assertThat(child.getSpanContext().getSpanId())
                    .isNotEqualTo(root.getSpanContext().getSpanId());
            final Span current;
            try (Scope ignored = root.makeCurrent()) {
                current = telemetry.tracer().spanBuilder("implicit").startSpan();
            }
            assertThat(current.getSpanContext().getTraceId())
                    .as("the current span is the parent when none is set")
                    .isEqualTo(root.getSpanContext().getTraceId());
            assertThat(telemetry
                            .tracer()
                            .spanBuilder("new")
                            .setNoParent()
                            .startSpan()
                            .getSpanContext()
                            .getTraceId())
                    .isNotEqualTo(root.getSpanContext().getTraceId());

            // The application's own spans, made with the SDK that is built when it asks, join the same trace.
            assertThat(telemetry.openTelemetry()).isInstanceOf(OpenTelemetrySdk.class);
            assertThat(telemetry.openTelemetry()).isSameAs(telemetry.openTelemetry());
            final Span app = telemetry
                    .openTelemetry()
                    .getTracer("app")
                    .spanBuilder("app")
                    .setParent(Context.root().with(root))
                    .startSpan();
            assertThat(app.isRecording()).isTrue();
            assertThat(app.getSpanContext().getTraceId())
                    .isEqualTo(root.getSpanContext().getTraceId());
            app.end();
        }
    }

    @Test
    void withNoExporterNewTracesAreSampledAtTheRatio() {
        try (MeshTelemetry half =
                MeshTelemetry.of(TelemetryConfig.builder().samplingRatio(0.5).build())) {
            int sampled = 0;
            for (int i = 0; i < 4_000; i++) {
                if (half.tracer()
                        .spanBuilder("root")
                        .startSpan()
                        .getSpanContext()
                        .isSampled()) {
                    sampled++;
                }
            }
            // 2,000 expected; the standard deviation is ~32.
            assertThat(sampled).isBetween(1_700, 2_300);
        }
    }

    @Test
    void spansGoToOtlpOverHttpProtobufWhenConfigured() {
        received.clear();
        try (MeshTelemetry telemetry = MeshTelemetry.of(TelemetryConfig.builder()
                .serviceName("orders")
                .otlpEndpoint(URI.create(collector.httpUri() + "/v1/traces"))
                .build())) {
            telemetry.tracer().spanBuilder("GET /orders/:id").startSpan().end();
            telemetry.forceFlush();

            await().atMost(Duration.ofSeconds(10)).until(() -> !received.isEmpty());
            final AggregatedHttpRequest request = received.peek();
            assertThat(request.path()).isEqualTo("/v1/traces");
            assertThat(request.contentType().toString()).isEqualTo("application/x-protobuf");
            assertThat(request.content().toStringUtf8()).contains("GET /orders/:id", "orders");
        }
    }

    @Test
    void spansGoToZipkinAsV2JsonWhenConfigured() {
        received.clear();
        try (MeshTelemetry telemetry = MeshTelemetry.of(TelemetryConfig.builder()
                .serviceName("orders")
                .zipkinEndpoint(URI.create(collector.httpUri() + "/api/v2/spans"))
                .build())) {
            telemetry.tracer().spanBuilder("GET /orders/:id").startSpan().end();
            telemetry.forceFlush();

            await().atMost(Duration.ofSeconds(10)).until(() -> !received.isEmpty());
            final AggregatedHttpRequest request = received.peek();
            assertThat(request.path()).isEqualTo("/api/v2/spans");
            assertThat(request.contentUtf8())
                    .startsWith("[{\"traceId\":")
                    .contains("\"name\":\"GET /orders/:id\"", "\"localEndpoint\":{\"serviceName\":\"orders\"}");
        }
    }

    @Test
    void spansMadeWithTheApplicationsOpenTelemetryJoinItsTraceAndGoToItsExporters() {
        final InMemorySpanExporter exported = InMemorySpanExporter.create();
        final OpenTelemetrySdk application = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                        .addSpanProcessor(SimpleSpanProcessor.create(exported))
                        .build())
                .build();
        try (MeshTelemetry telemetry = MeshTelemetry.of(TelemetryConfig.ofDefaults(), application)) {
            assertThat(telemetry.openTelemetry()).isSameAs(application);
            final Span outer =
                    application.getTracer("app").spanBuilder("app work").startSpan();
            try (Scope ignored = outer.makeCurrent()) {
                telemetry.tracer().spanBuilder("GET").startSpan().end();
            }
            outer.end();
        }
        // Closing the mesh's telemetry leaves the application's running.
        application.getTracer("app").spanBuilder("after").startSpan().end();

        assertThat(exported.getFinishedSpanItems())
                .extracting(SpanData::getName)
                .containsExactly("GET", "app work", "after");
        final SpanData mesh = exported.getFinishedSpanItems().get(0);
        final SpanData app = exported.getFinishedSpanItems().get(1);
        assertThat(mesh.getTraceId()).isEqualTo(app.getTraceId());
        assertThat(mesh.getParentSpanId()).isEqualTo(app.getSpanId());
        assertThat(mesh.getInstrumentationScopeInfo().getName()).isEqualTo("io.mesh4j");
        application.close();
    }

    @Test
    void theApplicationsOpenTelemetryTakesNoExporterOfTheConfig() {
        final TelemetryConfig toZipkin = TelemetryConfig.builder()
                .zipkinEndpoint(URI.create("http://127.0.0.1:9411/api/v2/spans"))
                .build();
        assertThatThrownBy(() ->
                        MeshTelemetry.of(toZipkin, OpenTelemetrySdk.builder().build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: no exporter");
    }

    @Test
    void theZipkinExporterSendsV2Json() {
        received.clear();
        final OpenTelemetrySdk application = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                        .addSpanProcessor(SimpleSpanProcessor.create(
                                MeshTelemetry.zipkinExporter(URI.create(collector.httpUri() + "/api/v2/spans"))))
                        .build())
                .build();
        application.getTracer("app").spanBuilder("app work").startSpan().end();
        await().atMost(Duration.ofSeconds(10)).until(() -> !received.isEmpty());
        assertThat(received.peek().contentUtf8()).startsWith("[{\"traceId\":").contains("\"name\":\"app work\"");
        application.close();
    }

    @Test
    void noExporterIsConfiguredByDefault() {
        final TelemetryConfig defaults = TelemetryConfig.ofDefaults();
        assertThat(defaults.otlpEndpoint()).isNull();
        assertThat(defaults.zipkinEndpoint()).isNull();
        assertThat(defaults.spanExporter()).isNull();
        assertThat(defaults.inject()).containsExactly(Propagation.TRACECONTEXT, Propagation.BAGGAGE);
    }

    @Test
    void labelsFromOutsideAreBoundedPerServiceAndLabel() {
        try (MeshTelemetry telemetry =
                MeshTelemetry.of(TelemetryConfig.builder().maxLabelValues(3).build())) {
            for (int i = 0; i < 10; i++) {
                TelemetryAccess.METRICS
                        .get(telemetry)
                        .serverRequest(
                                "orders",
                                "/orders/:id",
                                HttpMethod.GET,
                                200,
                                ResponseClass.SUCCESS,
                                "caller-" + i,
                                1_000_000);
            }
            final String scrape = telemetry.scrape();
            assertThat(scrape)
                    .contains("peer=\"caller-0\"", "peer=\"caller-2\"", "peer=\"other\"")
                    .doesNotContain("peer=\"caller-3\"");
        }
    }

    @Test
    void authorizationDecisionsAreCountedForTheAuthzLayer() {
        try (MeshTelemetry telemetry = MeshTelemetry.of(TelemetryConfig.ofDefaults())) {
            TelemetryAccess.METRICS.get(telemetry).authorizationDecision("orders", "/orders/:id", "frontend", true);
            TelemetryAccess.METRICS.get(telemetry).authorizationDecision("orders", "/orders/:id", "intruder", false);

            assertThat(telemetry.scrape())
                    .contains("mesh_server_authz_decisions_total{decision=\"allow\",peer=\"frontend\","
                            + "route=\"/orders/:id\",service=\"orders\"} 1.0")
                    .contains("decision=\"deny\",peer=\"intruder\"");
        }
    }

    @Test
    void theConfigRefusesWhatCannotWork() {
        final var b = TelemetryConfig.builder();
        assertThatThrownBy(() -> b.samplingRatio(1.5)).hasMessage("samplingRatio: 1.5 (expected: 0.0..1.0)");
        assertThatThrownBy(() -> b.zipkinEndpoint(URI.create("zipkin:9411")))
                .hasMessageContaining("expected: an http or https URI with a host");
        assertThatThrownBy(() -> b.inject(Propagation.B3_MULTI, Propagation.B3_MULTI))
                .hasMessageContaining("expected: each format once");
    }
}
