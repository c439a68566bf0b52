package io.mesh4j.server.internal.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.MDC;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.testing.junit5.server.ServerExtension;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.stack.CommonParams;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.core.telemetry.TelemetryConfig;
import io.mesh4j.server.ServerStacks;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.context.Context;

/**
 * The server span of a telemetry that exports nothing (the default): no recorded span, but the ids and the sampling
 * decision the SDK would have given it, current in the handler, in the MDC and in what goes downstream.
 */
class UnexportedServerSpansTest {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SPAN_ID = "00f067aa0ba902b7";

    private static final MeshTelemetry keepAll =
            MeshTelemetry.of(TelemetryConfig.builder().serviceName("orders").build());
    private static final MeshTelemetry keepNone = MeshTelemetry.of(
            TelemetryConfig.builder().serviceName("orders").samplingRatio(0).build());

    @RegisterExtension
    static final ServerExtension server = new ServerExtension() {
        @Override
        protected void configure(ServerBuilder sb) {
            sb.service("/all", stack(keepAll).apply(UnexportedServerSpansTest::whatTheHandlerSees));
            sb.service("/none", stack(keepNone).apply(UnexportedServerSpansTest::whatTheHandlerSees));
        }
    };

    @AfterAll
    static void close() {
        keepAll.close();
        keepNone.close();
    }

    private static Function<HttpService, HttpService> stack(MeshTelemetry telemetry) {
        return ServerStacks.defaults()
                .decorator(StackParams.empty()
                        .with(CommonParams.SERVICE, ServiceName.of("orders"))
                        .with(MeshTelemetry.KEY, telemetry));
    }

    /** The current span's ids and flags, the MDC's, and the trace headers a call made here would send. */
    private static HttpResponse whatTheHandlerSees(ServiceRequestContext ctx, HttpRequest req) {
        final Span span = Span.current();
        final Map<String, String> downstream = new HashMap<>();
        keepAll.openTelemetry().getPropagators().getTextMapPropagator().inject(Context.current(), downstream, Map::put);
        final SpanContext current = span.getSpanContext();
        return HttpResponse.of(String.join(
                " ",
                current.getTraceId(),
                current.getSpanId(),
                current.getTraceFlags().asHex(),
                Boolean.toString(span.isRecording()),
                MDC.get(MeshTelemetry.MDC_TRACE_ID) + '/' + MDC.get(MeshTelemetry.MDC_SPAN_ID),
                downstream.get("traceparent"),
                String.valueOf(downstream.get("tracestate"))));
    }

    private static String[] get(String path, String... headers) {
        final var request = WebClient.of(server.httpUri()).prepare().get(path);
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return request.execute().aggregate().join().contentUtf8().split(" ");
    }

    @Test
    void aSampledCallerIsContinuedWithANewSpanIdThatGoesDownstreamAndIntoTheMdc() {
        final String[] seen =
                get("/all", "traceparent", "00-" + TRACE_ID + '-' + SPAN_ID + "-01", "tracestate", "vendor=opaque");

        final String spanId = seen[1];
        assertThat(seen[0]).isEqualTo(TRACE_ID);
        assertThat(SpanId.isValid(spanId)).isTrue();
        assertThat(spanId).isNotEqualTo(SPAN_ID);
        assertThat(seen[2]).isEqualTo("01");
        // Nothing recorded: nobody would read it.
        assertThat(seen[3]).isEqualTo("false");
        assertThat(seen[4]).isEqualTo(TRACE_ID + '/' + spanId);
        assertThat(seen[5]).isEqualTo("00-" + TRACE_ID + '-' + spanId + "-01");
        assertThat(seen[6]).isEqualTo("vendor=opaque");
    }

    @Test
    void anUnsampledCallerStaysUnsampledWhateverTheRatio() {
        final String[] seen = get("/all", "traceparent", "00-" + TRACE_ID + '-' + SPAN_ID + "-00");

        assertThat(seen[0]).isEqualTo(TRACE_ID);
        assertThat(seen[1]).isNotEqualTo(SPAN_ID).hasSize(16);
        assertThat(seen[5]).isEqualTo("00-" + TRACE_ID + '-' + seen[1] + "-00");
    }

    @Test
    void aNewTraceIsKeptOrNotByTheSamplingRatio() {
        final String[] kept = get("/all");
        final String[] dropped = get("/none");

        assertThat(kept[0]).hasSize(32).isNotEqualTo(TRACE_ID).isNotEqualTo("00000000000000000000000000000000");
        assertThat(kept[2]).isEqualTo("01");
        assertThat(kept[5]).isEqualTo("00-" + kept[0] + '-' + kept[1] + "-01");
        // Dropped, as the SDK drops it: still real ids, so that the services downstream keep the decision.
        assertThat(dropped[0]).hasSize(32).isNotEqualTo(kept[0]).isNotEqualTo("00000000000000000000000000000000");
        assertThat(dropped[2]).isEqualTo("00");
        assertThat(dropped[5]).isEqualTo("00-" + dropped[0] + '-' + dropped[1] + "-00");
    }

    @Test
    void aSampledCallerIsKeptEvenWhereNewTracesAreNot() {
        final String[] seen = get("/none", "traceparent", "00-" + TRACE_ID + '-' + SPAN_ID + "-01");

        assertThat(seen[0]).isEqualTo(TRACE_ID);
        assertThat(seen[2]).isEqualTo("01");
        assertThat(seen[4]).isEqualTo(TRACE_ID + '/' + seen[1]);
    }
}
