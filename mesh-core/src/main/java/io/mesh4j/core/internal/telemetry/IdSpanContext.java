package io.mesh4j.core.internal.telemetry;

import org.jspecify.annotations.Nullable;

import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;

/**
 * The span context of a span that records nothing, kept as the numbers its ids are: their hex text is made only
 * when something asks for it (the MDC, an application's code, a B3 header), not for every call, since the one
 * header most calls write, {@code traceparent}, is written from the numbers ({@link W3cTraceContext}). Made only
 * when no exporter is configured ({@link PropagatingTracer}, and the parents {@link TracePropagation} reads then):
 * an SDK compares its own span contexts by their class.
 *
 * <p>Its text is made with a buffer of mesh4j's own: OpenTelemetry's propagators fill their temporary buffer and
 * then ask for the next id, which OpenTelemetry's {@code TraceId.fromLongs} would write into that same buffer.
 *
 * <p>Its ids are never zero, so it is always valid. The text is made at most once per thread that asks first (a
 * benign race: equal strings).
 */
final class IdSpanContext implements SpanContext {

    final long traceIdHigh;
    final long traceIdLow;
    final long spanIdValue;
    private final TraceFlags flags;
    private final TraceState state;
    private final boolean remote;
    private @Nullable String traceId;
    private @Nullable String spanId;

    IdSpanContext(
            long traceIdHigh,
            long traceIdLow,
            @Nullable String traceId,
            long spanId,
            boolean sampled,
            TraceState state,
            boolean remote) {
        this.traceIdHigh = traceIdHigh;
        this.traceIdLow = traceIdLow;
        this.traceId = traceId;
        spanIdValue = spanId;
        flags = sampled ? TraceFlags.getSampled() : TraceFlags.getDefault();
        this.state = state;
        this.remote = remote;
    }

    /** The trace id's text if it was made already, else null: a child passes it on rather than making it again. */
    @Nullable
    String traceIdIfMade() {
        return traceId;
    }

    @Override
    public String getTraceId() {
        @Nullable String id = traceId;
        if (id == null) {
            id = Hex.traceId(traceIdHigh, traceIdLow);
            traceId = id;
        }
        return id;
    }

    @Override
    public String getSpanId() {
        @Nullable String id = spanId;
        if (id == null) {
            id = Hex.spanId(spanIdValue);
            spanId = id;
        }
        return id;
    }

    @Override
    public TraceFlags getTraceFlags() {
        return flags;
    }

    @Override
    public boolean isSampled() {
        return flags.isSampled();
    }

    @Override
    public TraceState getTraceState() {
        return state;
    }

    @Override
    public boolean isValid() {
        return true;
    }

    @Override
    public boolean isRemote() {
        return remote;
    }

    /** Equal to any span context with the same ids, flags, state and remoteness, as OpenTelemetry's own are. */
    @Override
    public boolean equals(@Nullable Object o) {
        if (o == this) {
            return true;
        }
        if (!(o instanceof SpanContext)) {
            return false;
        }
        final SpanContext that = (SpanContext) o;
        return getTraceId().equals(that.getTraceId())
                && getSpanId().equals(that.getSpanId())
                && flags.equals(that.getTraceFlags())
                && state.equals(that.getTraceState())
                && remote == that.isRemote();
    }

    @Override
    public int hashCode() {
        return Long.hashCode(traceIdLow) * 31 + Long.hashCode(spanIdValue);
    }

    @Override
    public String toString() {
        return "SpanContext{traceId=" + getTraceId() + ", spanId=" + getSpanId() + ", traceFlags=" + flags
                + ", traceState=" + state + ", remote=" + remote + ", valid=true}";
    }
}
