package io.mesh4j.core.internal.telemetry;

import static java.util.Objects.requireNonNull;

import java.util.List;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;

/**
 * The spans of a telemetry whose spans go nowhere (the mesh's own SDK with no exporter, the default): what a layer
 * starts then is the span's identity alone, a non-recording span with the ids and sampling decision the SDK would
 * have given it, so that the trace still goes downstream, the MDC still names it and a child still knows its
 * parent. The SDK's span would record a start time, attributes and an end that nobody can read: about 1 KB and a
 * few microseconds a request for nothing.
 *
 * <p>The decision is the SDK's own sampler's, asked as the SDK asks it: the parent's trace id, or a new one for a
 * root; the parent's trace state as the sampler updates it; sampled or not by the decision. A decision to drop
 * gives the same non-recording span the SDK gives.
 */
public final class UnexportedSpans {

    private final Sampler sampler;
    private final IdGenerator ids = IdGenerator.random();

    /** @param sampler the sampler the telemetry's SDK was built with */
    public UnexportedSpans(Sampler sampler) {
        this.sampler = requireNonNull(sampler, "sampler");
    }

    /**
     * Starts a span that records nothing: a child of {@code parent}'s span if it has a valid one, else a root.
     *
     * @param parent the context the span continues
     * @param name the span's name, as the sampler is told it
     * @param kind its kind, as the sampler is told it
     * @return a non-recording span with a new span id
     */
    public Span start(Context parent, String name, SpanKind kind) {
        final SpanContext parentSpan = Span.fromContext(parent).getSpanContext();
        final String traceId = parentSpan.isValid() ? parentSpan.getTraceId() : ids.generateTraceId();
        final SamplingResult result = sampler.shouldSample(parent, traceId, name, kind, Attributes.empty(), List.of());
        final TraceState state = result.getUpdatedTraceState(parentSpan.getTraceState());
        final TraceFlags flags = result.getDecision() == SamplingDecision.RECORD_AND_SAMPLE
                ? TraceFlags.getSampled()
                : TraceFlags.getDefault();
        return Span.wrap(SpanContext.create(traceId, ids.generateSpanId(), flags, state));
    }

    @Override
    public String toString() {
        return "UnexportedSpans(" + sampler.getDescription() + ')';
    }
}
