package io.mesh4j.core.internal.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;

import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.core.telemetry.Propagation;
import io.mesh4j.core.telemetry.TelemetryConfig;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;

/**
 * W3C Trace Context to the letter (https://www.w3.org/TR/trace-context/), B3 in both forms, several formats
 * accepted at once, and bad headers counted rather than failing anything.
 */
class TracePropagationTest {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SPAN_ID = "00f067aa0ba902b7";
    private static final String VALID = "00-" + TRACE_ID + '-' + SPAN_ID + "-01";

    private final MeshTelemetry telemetry = MeshTelemetry.of(TelemetryConfig.ofDefaults());

    @AfterEach
    void close() {
        telemetry.close();
    }

    @Test
    void aValidTraceparentIsTheRemoteParent() {
        final SpanContext parent = parentOf(headers().add("traceparent", VALID));

        assertThat(parent.isValid()).isTrue();
        assertThat(parent.isRemote()).isTrue();
        assertThat(parent.getTraceId()).isEqualTo(TRACE_ID);
        assertThat(parent.getSpanId()).isEqualTo(SPAN_ID);
        assertThat(parent.isSampled()).isTrue();
        assertThat(malformed("traceparent")).isZero();
    }

    @Test
    void optionalWhiteSpaceAroundTheValueIsAllowed() {
        assertThat(parentOf(headers().add("traceparent", " \t" + VALID + "\t ")).isValid())
                .isTrue();
    }

    @Test
    void unsampledFlagsAreKeptAndUnknownFlagBitsAreNotPassedOn() {
        assertThat(parentOf(headers().add("traceparent", VALID.replace("-01", "-00")))
                        .isSampled())
                .isFalse();
        final SpanContext withUnknownBits = parentOf(headers().add("traceparent", VALID.replace("-01", "-ff")));
        assertThat(withUnknownBits.getTraceFlags()).isEqualTo(TraceFlags.getSampled());
    }

    @ParameterizedTest(name = "[{index}] '{0}'")
    @ValueSource(
            strings = {
                // version ff is forbidden
                "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                // version 00 must be exactly 55 characters
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-010",
                // a later version may be longer, but only after a dash
                "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
                // upper case hex, anywhere
                "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",
                "0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                // all-zero ids
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                // wrong separators, lengths, characters
                "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
                "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
                "",
                "garbage"
            })
    void aMalformedTraceparentStartsANewTraceAndIsCounted(String traceparent) {
        final SpanContext parent =
                parentOf(headers().add("traceparent", traceparent).add("tracestate", "congo=t61rcWkgMzE"));

        assertThat(parent.isValid()).isFalse();
        assertThat(malformed("traceparent")).isOne();
        assertThat(malformed("tracestate")).as("tracestate is not even read").isZero();
    }

    @Test
    void aLaterVersionIsReadAsVersion00WhenWhatFollowsStartsWithADash() {
        final SpanContext parent = parentOf(
                headers().add("traceparent", "cc-" + TRACE_ID + '-' + SPAN_ID + "-01-what-the-future-will-be-like"));

        assertThat(parent.getTraceId()).isEqualTo(TRACE_ID);
        assertThat(malformed("traceparent")).isZero();
    }

    @Test
    void anOversizedTraceparentIsMalformed() {
        final String huge = VALID + "-" + "a".repeat(10_000);

        assertThat(parentOf(headers().add("traceparent", huge)).isValid()).isFalse();
        assertThat(malformed("traceparent")).isOne();
    }

    @Test
    void duplicatedTraceparentHeadersStartANewTrace() {
        final SpanContext parent = parentOf(
                headers().add("traceparent", VALID).add("traceparent", VALID.replace(SPAN_ID, "b7ad6b7169203331")));

        assertThat(parent.isValid()).isFalse();
        assertThat(malformed("traceparent")).isOne();
    }

    @Test
    void tracestateHeadersAreOneListInOrder() {
        final SpanContext parent = parentOf(headers()
                .add("traceparent", VALID)
                .add("tracestate", "rojo=00f067aa0ba902b7, ,")
                .add("tracestate", "congo=t61rcWkgMzE,tenant@vendor=x"));

        assertThat(W3cTraceContext.formatTracestate(parent.getTraceState()))
                .isEqualTo("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,tenant@vendor=x");
        assertThat(malformed("tracestate")).isZero();
    }

    @Test
    void thirtyTwoTracestateMembersAreKept() {
        final SpanContext parent = parentOf(headers().add("traceparent", VALID).add("tracestate", members(32, 3)));

        assertThat(parent.getTraceState().size()).isEqualTo(32);
    }

    @Test
    void aTracestateOfMoreThanThirtyTwoMembersIsDroppedAndTheTraceparentKept() {
        final SpanContext parent = parentOf(headers().add("traceparent", VALID).add("tracestate", members(33, 3)));

        assertThat(parent.getTraceId()).isEqualTo(TRACE_ID);
        assertThat(parent.getTraceState().isEmpty()).isTrue();
        assertThat(malformed("tracestate")).isOne();
    }

    @ParameterizedTest(name = "[{index}] '{0}'")
    @ValueSource(
            strings = {
                "foo=1,foo=2", // duplicated key
                "Foo=1", // upper case key
                "foo", // no value
                "foo=", // empty value
                "foo=bar=baz", // '=' in a value
                "-foo=1", // a key starting with a dash
                "1foo=1", // a simple key starting with a digit (allowed by Level 2's draft)
                "t@VENDOR=1", // upper-case system id
                "foo=\u00e9t\u00e9"
            }) // non-ASCII value
    void anInvalidTracestateIsDroppedAndCounted(String tracestate) {
        final SpanContext parent = parentOf(headers().add("traceparent", VALID).add("tracestate", tracestate));

        assertThat(parent.isValid()).isTrue();
        assertThat(parent.getTraceState().isEmpty()).isTrue();
        assertThat(malformed("tracestate")).isOne();
    }

    @Test
    void aTracestateLongerThan512CharactersLosesItsLongMembersFirstThenMembersFromTheEnd() {
        final String longMember = "big=" + "x".repeat(200);
        final String state = "first=1," + longMember + ',' + members(30, 20);
        assertThat(state.length()).isGreaterThan(512);

        final TraceState kept = parentOf(headers().add("traceparent", VALID).add("tracestate", state))
                .getTraceState();

        final String propagated = W3cTraceContext.formatTracestate(kept);
        assertThat(propagated.length()).isLessThanOrEqualTo(512);
        assertThat(kept.get("big")).isNull();
        assertThat(kept.get("first")).isEqualTo("1");
        assertThat(propagated).startsWith("first=1,k0=");
        assertThat(malformed("tracestate"))
                .as("a list cut to size is not malformed")
                .isZero();
    }

    @Test
    void injectionWritesTraceparentAndTracestate() {
        final Context context =
                parentContext(headers().add("traceparent", VALID).add("tracestate", "a=1,b=2"));
        final RequestHeadersBuilder out = headers();

        TelemetryAccess.PROPAGATION.get(telemetry).inject(context, out);

        assertThat(out.get("traceparent")).isEqualTo(VALID);
        assertThat(out.get("tracestate")).isEqualTo("a=1,b=2");
    }

    @Test
    void withoutAnExporterAParentReadAsNumbersEqualsOneReadAsText() {
        final SpanContext asIds = parentOf(headers().add("traceparent", VALID.replace("-01", "-00")));

        assertThat(asIds).isInstanceOf(IdSpanContext.class);
        assertThat(asIds)
                .isEqualTo(SpanContext.createFromRemoteParent(
                        TRACE_ID, SPAN_ID, TraceFlags.getDefault(), TraceState.getDefault()));
        assertThat(asIds.toString()).contains(TRACE_ID).contains(SPAN_ID);
    }

    @Test
    void aChildWithoutAnExporterIsWrittenWithItsParentsTraceAndItsOwnSpanId() {
        for (String flags : List.of("01", "00")) {
            final Context parent = parentContext(headers().add("traceparent", VALID.replace("-01", '-' + flags)));
            final Span child =
                    telemetry.tracer().spanBuilder("").setParent(parent).startSpan();
            final RequestHeadersBuilder out = headers();

            TelemetryAccess.PROPAGATION.get(telemetry).inject(parent.with(child), out);

            final String spanId = child.getSpanContext().getSpanId();
            assertThat(spanId).matches("[0-9a-f]{16}").isNotEqualTo(SPAN_ID);
            assertThat(child.getSpanContext().getTraceId()).isEqualTo(TRACE_ID);
            assertThat(out.get("traceparent")).isEqualTo("00-" + TRACE_ID + '-' + spanId + '-' + flags);
        }
    }

    @Test
    void aParentMadeByOpenTelemetryIsWrittenAsItIs() {
        final Context context = Context.root()
                .with(Span.wrap(
                        SpanContext.create(TRACE_ID, SPAN_ID, TraceFlags.getSampled(), TraceState.getDefault())));
        final RequestHeadersBuilder out = headers();

        TelemetryAccess.PROPAGATION.get(telemetry).inject(context, out);

        assertThat(out.get("traceparent")).isEqualTo(VALID);
    }

    @Test
    void b3InOneHeaderAndInSeveralIsAccepted() {
        assertThat(parentOf(headers().add("b3", TRACE_ID + '-' + SPAN_ID + "-1"))
                        .getTraceId())
                .isEqualTo(TRACE_ID);
        final SpanContext multi = parentOf(headers()
                .add("X-B3-TraceId", TRACE_ID)
                .add("X-B3-SpanId", SPAN_ID)
                .add("X-B3-Sampled", "1"));
        assertThat(multi.getSpanId()).isEqualTo(SPAN_ID);
        assertThat(multi.isSampled()).isTrue();
    }

    @Test
    void theFirstAcceptedFormatWithAValidParentWins() {
        final SpanContext parent = parentOf(headers()
                .add("traceparent", VALID)
                .add("b3", "463ac35c9f6413ad48485a3953bb6124-" + "0020000000000001-1"));

        assertThat(parent.getTraceId()).isEqualTo(TRACE_ID);
    }

    @Test
    void aMalformedTraceparentFallsBackToAValidB3() {
        final SpanContext parent =
                parentOf(headers().add("traceparent", "garbage").add("b3", TRACE_ID + '-' + SPAN_ID + "-1"));

        assertThat(parent.getTraceId()).isEqualTo(TRACE_ID);
        assertThat(malformed("traceparent")).isOne();
    }

    @Test
    void malformedB3IsCountedInEitherForm() {
        assertThat(parentOf(headers().add("b3", "not-a-b3-header")).isValid()).isFalse();
        assertThat(parentOf(headers().add("X-B3-TraceId", "xyz").add("X-B3-SpanId", SPAN_ID))
                        .isValid())
                .isFalse();

        assertThat(malformed("b3")).isOne();
        assertThat(malformed("x-b3-traceid")).isOne();
    }

    @Test
    void formatsThatAreNotAcceptedAreIgnored() {
        try (MeshTelemetry w3cOnly = MeshTelemetry.of(
                TelemetryConfig.builder().extract(Propagation.TRACECONTEXT).build())) {
            final Context context = TelemetryAccess.PROPAGATION
                    .get(w3cOnly)
                    .extract(
                            headers().add("b3", TRACE_ID + '-' + SPAN_ID + "-1").build());
            assertThat(Span.fromContext(context).getSpanContext().isValid()).isFalse();
        }
    }

    @Test
    void b3IsWrittenInTheSelectedForms() {
        final Context context = parentContext(headers().add("traceparent", VALID));
        try (MeshTelemetry b3 = MeshTelemetry.of(TelemetryConfig.builder()
                .inject(Propagation.B3_SINGLE, Propagation.B3_MULTI)
                .build())) {
            final RequestHeadersBuilder out = headers();
            TelemetryAccess.PROPAGATION.get(b3).inject(context, out);

            assertThat(out.get("b3")).isEqualTo(TRACE_ID + '-' + SPAN_ID + "-1");
            assertThat(out.get("x-b3-traceid")).isEqualTo(TRACE_ID);
            assertThat(out.get("x-b3-spanid")).isEqualTo(SPAN_ID);
            assertThat(out.get("traceparent")).isNull();
        }
    }

    @Test
    void baggageTravelsBothWays() {
        final Context context =
                parentContext(headers().add("traceparent", VALID).add("baggage", "tenant=acme"));
        assertThat(Baggage.fromContext(context).getEntryValue("tenant")).isEqualTo("acme");

        final RequestHeadersBuilder out = headers();
        TelemetryAccess.PROPAGATION.get(telemetry).inject(context, out);
        assertThat(out.get("baggage")).isEqualTo("tenant=acme");
    }

    private static RequestHeadersBuilder headers() {
        return RequestHeaders.builder(HttpMethod.GET, "/");
    }

    private Context parentContext(RequestHeadersBuilder headers) {
        return TelemetryAccess.PROPAGATION.get(telemetry).extract(headers.build());
    }

    private SpanContext parentOf(RequestHeadersBuilder headers) {
        return Span.fromContext(parentContext(headers)).getSpanContext();
    }

    private double malformed(String header) {
        return TelemetryAccess.METRICS.get(telemetry).malformedTraceHeaders(header);
    }

    /** {@code count} members {@code k0=vvv,...} with values of {@code valueLength} characters. */
    private static String members(int count, int valueLength) {
        final List<String> members = new ArrayList<>();
        IntStream.range(0, count).forEach(i -> members.add("k" + i + '=' + "v".repeat(valueLength)));
        return members.stream().collect(Collectors.joining(","));
    }
}
