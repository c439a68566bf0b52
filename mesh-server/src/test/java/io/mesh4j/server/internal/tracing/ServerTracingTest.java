package io.mesh4j.server.internal.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.MDC;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.testing.junit5.server.ServerExtension;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.telemetry.HttpAttributes;
import io.mesh4j.core.internal.telemetry.TelemetryAccess;
import io.mesh4j.core.stack.CommonParams;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.core.telemetry.TelemetryConfig;
import io.mesh4j.server.ServerStacks;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;

class ServerTracingTest {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SPAN_ID = "00f067aa0ba902b7";

    private static final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private static final MeshTelemetry telemetry = MeshTelemetry.of(
            TelemetryConfig.builder().serviceName("orders").spanExporter(spans).build());

    @RegisterExtension
    static final ServerExtension server = new ServerExtension() {
        @Override
        protected void configure(ServerBuilder sb) {
            // The handler reports the trace ids it sees in the MDC and in OpenTelemetry, on its own thread and on
            // another thread of the request's context.
            sb.service("/orders/{id}", (ctx, req) -> {
                final String here = MDC.get("trace_id") + ' ' + MDC.get("span_id");
                final CompletableFuture<String> there = CompletableFuture.supplyAsync(
                        () -> MDC.get("trace_id")
                                + ' '
                                + Span.current().getSpanContext().getSpanId(),
                        ctx.blockingTaskExecutor());
                return HttpResponse.of(there.thenApply(other -> HttpResponse.of(here + '|' + other)));
            });
            sb.service("/fail", (ctx, req) -> HttpResponse.of(HttpStatus.INTERNAL_SERVER_ERROR));
            sb.service("/bad", (ctx, req) -> HttpResponse.of(HttpStatus.BAD_REQUEST));
            sb.decorator(ServerStacks.defaults()
                    .decorator(StackParams.empty()
                            .with(CommonParams.SERVICE, ServiceName.of("orders"))
                            .with(MeshTelemetry.KEY, telemetry)));
        }
    };

    /** Without an exporter, the default: spans are ids and a sampling decision, and record nothing. */
    private static final MeshTelemetry unexported =
            MeshTelemetry.of(TelemetryConfig.builder().serviceName("orders").build());

    @RegisterExtension
    static final ServerExtension unexportedServer = new ServerExtension() {
        @Override
        protected void configure(ServerBuilder sb) {
            // What the handler sees: the MDC's trace id, and the current span's ids and whether it records, on its
            // own thread and on another thread of the request's context.
            sb.service("/orders/{id}", (ctx, req) -> {
                final String here = MDC.get("trace_id") + ' ' + describe(Span.current());
                final CompletableFuture<String> there = CompletableFuture.supplyAsync(
                        () -> MDC.get("trace_id") + ' ' + describe(Span.current()), ctx.blockingTaskExecutor());
                return HttpResponse.of(there.thenApply(other -> HttpResponse.of(here + '|' + other)));
            });
            sb.decorator(ServerStacks.defaults()
                    .decorator(StackParams.empty()
                            .with(CommonParams.SERVICE, ServiceName.of("orders"))
                            .with(MeshTelemetry.KEY, unexported)));
        }
    };

    private static String describe(Span span) {
        return span.getSpanContext().getTraceId()
                + ' '
                + span.getSpanContext().getSpanId()
                + ' '
                + span.getSpanContext().isSampled()
                + ' '
                + span.isRecording();
    }

    @BeforeEach
    void reset() {
        spans.reset();
    }

    @AfterAll
    static void close() {
        telemetry.close();
        unexported.close();
    }

    private static AggregatedHttpResponse get(String path, String... headers) {
        final var request = WebClient.of(server.httpUri()).prepare().get(path);
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return request.execute().aggregate().join();
    }

    private static SpanData onlySpan() {
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !spans.getFinishedSpanItems().isEmpty());
        final List<SpanData> finished = spans.getFinishedSpanItems();
        assertThat(finished).hasSize(1);
        return finished.get(0);
    }

    @Test
    void aRequestWithATraceparentGetsAServerSpanThatContinuesItsTrace() {
        final AggregatedHttpResponse res = get("/orders/42", "traceparent", "00-" + TRACE_ID + '-' + SPAN_ID + "-01");

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        final SpanData span = onlySpan();
        assertThat(span.getName()).isEqualTo("GET /orders/:id");
        assertThat(span.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(span.getTraceId()).isEqualTo(TRACE_ID);
        assertThat(span.getParentSpanId()).isEqualTo(SPAN_ID);
        assertThat(span.getParentSpanContext().isRemote()).isTrue();
        assertThat(span.getAttributes().get(HttpAttributes.HTTP_ROUTE)).isEqualTo("/orders/:id");
        assertThat(span.getAttributes().get(HttpAttributes.HTTP_REQUEST_METHOD)).isEqualTo("GET");
        assertThat(span.getAttributes().get(HttpAttributes.HTTP_RESPONSE_STATUS_CODE))
                .isEqualTo(200L);
        assertThat(span.getAttributes().get(HttpAttributes.URL_PATH)).isEqualTo("/orders/42");
        assertThat(span.getAttributes().get(HttpAttributes.URL_SCHEME)).isEqualTo("http");
        assertThat(span.getAttributes().get(HttpAttributes.SERVER_PORT)).isEqualTo((long) server.httpPort());
        assertThat(span.getAttributes().get(HttpAttributes.CLIENT_ADDRESS)).isEqualTo("127.0.0.1");
        assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(span.getResource().getAttribute(io.opentelemetry.api.common.AttributeKey.stringKey("service.name")))
                .isEqualTo("orders");
    }

    @Test
    void theTraceAndSpanIdsAreInTheMdcAndCurrentOnEveryThreadOfTheRequest() {
        final String body = get("/orders/42", "traceparent", "00-" + TRACE_ID + '-' + SPAN_ID + "-01")
                .contentUtf8();

        final SpanData span = onlySpan();
        final String ids = TRACE_ID + ' ' + span.getSpanId();
        assertThat(body).isEqualTo(ids + '|' + ids);
    }

    @Test
    void aMalformedTraceparentStartsANewTraceAndTheRequestStillSucceeds() {
        final double before = TelemetryAccess.METRICS.get(telemetry).malformedTraceHeaders("traceparent");

        final AggregatedHttpResponse res =
                get("/orders/42", "traceparent", "00-" + TRACE_ID.toUpperCase() + '-' + SPAN_ID + "-01");

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        final SpanData span = onlySpan();
        assertThat(span.getTraceId()).isNotEqualTo(TRACE_ID);
        assertThat(span.getParentSpanContext().isValid()).isFalse();
        assertThat(TelemetryAccess.METRICS.get(telemetry).malformedTraceHeaders("traceparent"))
                .isEqualTo(before + 1);
        assertThat(telemetry.scrape()).contains("mesh_tracing_malformed_headers_total{header=\"traceparent\"}");
    }

    @Test
    void duplicatedTraceparentsAndAMalformedB3StillServe() {
        final AggregatedHttpResponse res = get(
                "/orders/1",
                "traceparent",
                "00-" + TRACE_ID + '-' + SPAN_ID + "-01",
                "traceparent",
                "00-" + TRACE_ID + '-' + SPAN_ID + "-00",
                "b3",
                "zzz");

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        assertThat(onlySpan().getTraceId()).isNotEqualTo(TRACE_ID);
    }

    @Test
    void aServerErrorMarksTheSpanAsAnErrorAndAClientErrorDoesNot() {
        get("/fail");
        final SpanData failed = onlySpan();
        assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(failed.getAttributes().get(HttpAttributes.ERROR_TYPE)).isEqualTo("500");

        spans.reset();
        get("/bad");
        assertThat(onlySpan().getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    }

    @Test
    void aPathNoRouteMatchedIsNamedByItsMethodAlone() {
        assertThat(get("/no/such/path/123").status()).isEqualTo(HttpStatus.NOT_FOUND);

        final SpanData span = onlySpan();
        assertThat(span.getName()).isEqualTo("GET");
        assertThat(span.getAttributes().get(HttpAttributes.HTTP_ROUTE)).isNull();
    }

    @Test
    void withoutAnExporterTheServerSpanRecordsNothingAndStillContinuesTheTraceOnEveryThread() {
        final AggregatedHttpResponse res = WebClient.of(unexportedServer.httpUri())
                .prepare()
                .get("/orders/42")
                .header("traceparent", "00-" + TRACE_ID + '-' + SPAN_ID + "-01")
                .execute()
                .aggregate()
                .join();

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        final String[] sides = res.contentUtf8().split("\\|");
        assertThat(sides).hasSize(2);
        assertThat(sides[1]).isEqualTo(sides[0]);
        final String[] seen = sides[0].split(" ");
        // MDC trace id, span's trace id, span id, sampled, recording.
        assertThat(seen[0]).isEqualTo(TRACE_ID);
        assertThat(seen[1]).isEqualTo(TRACE_ID);
        assertThat(seen[2]).hasSize(16).isNotEqualTo(SPAN_ID).isNotEqualTo("0000000000000000");
        assertThat(seen[3]).isEqualTo("true");
        assertThat(seen[4]).isEqualTo("false");
    }
}
