package io.mesh4j.core.internal.telemetry;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;

/**
 * The tracer of a telemetry that exports nothing: its spans carry real trace and span ids and the sampling
 * decision, as the OpenTelemetry SDK's would, so that they propagate downstream and fill the MDC, but they record
 * nothing, since nothing would read it. It decides as the SDK's {@code parentBased(traceIdRatioBased(ratio))}
 * sampler and makes ids as its random id generator does, so a process keeps its sampling behaviour without loading
 * the SDK (~250 classes, and a recording span per request).
 */
public final class PropagatingTracer implements Tracer {

    private final long idUpperBound;

    /**
     * Returns a tracer that samples the traces that start here at {@code ratio}.
     *
     * @param ratio between 0 and 1
     */
    public PropagatingTracer(double ratio) {
        if (!(ratio >= 0 && ratio <= 1)) {
            throw new IllegalArgumentException("ratio: " + ratio + " (expected: between 0 and 1)");
        }
        // As the SDK's TraceIdRatioBasedSampler: a trace is sampled when its lower 64 bits, as an absolute value,
        // are below this bound.
        idUpperBound = ratio == 0 ? Long.MIN_VALUE : ratio == 1 ? Long.MAX_VALUE : (long) (ratio * Long.MAX_VALUE);
    }

    /**
     * Whether {@code tracer}'s spans may record: false for this tracer's, whose spans a layer need not name or
     * describe, since nothing reads what they would carry.
     */
    public static boolean mayRecord(Tracer tracer) {
        return !(tracer instanceof PropagatingTracer);
    }

    @Override
    public SpanBuilder spanBuilder(String spanName) {
        return new Builder();
    }

    /**
     * A span that continues {@code parent}'s trace, as {@code spanBuilder(..).setParent(..).startSpan()} would make
     * it, without the builder: for the tracing layers, which have nothing else to give it.
     *
     * @param parent the parent's span context, invalid to start a trace
     */
    public Span childOf(SpanContext parent) {
        return start(parent);
    }

    private Span start(SpanContext parentSpan) {
        final ThreadLocalRandom random = ThreadLocalRandom.current();
        final long high;
        final long low;
        final @Nullable String traceId;
        final boolean sampled;
        final TraceState state;
        if (parentSpan instanceof IdSpanContext) {
            final IdSpanContext ids = (IdSpanContext) parentSpan;
            high = ids.traceIdHigh;
            low = ids.traceIdLow;
            traceId = ids.traceIdIfMade();
            sampled = ids.isSampled();
            state = ids.getTraceState();
        } else if (parentSpan.isValid()) {
            // Valid: 32 lower-case hex digits.
            traceId = parentSpan.getTraceId();
            high = Hex.read(traceId, 0);
            low = Hex.read(traceId, 16);
            sampled = parentSpan.isSampled();
            state = parentSpan.getTraceState();
        } else {
            high = random.nextLong();
            long nonZero;
            do {
                nonZero = random.nextLong();
            } while (nonZero == 0);
            low = nonZero;
            traceId = null;
            sampled = Math.abs(low) < idUpperBound;
            state = TraceState.getDefault();
        }
        long spanId;
        do {
            spanId = random.nextLong();
        } while (spanId == 0);
        // Its ids as numbers: their text is made only if asked for.
        return Span.wrap(new IdSpanContext(high, low, traceId, spanId, sampled, state, false));
    }

    /** Keeps the parent and nothing else: the span records nothing. */
    private final class Builder implements SpanBuilder {

        private @Nullable Context parent;

        @Override
        public SpanBuilder setParent(Context context) {
            parent = context;
            return this;
        }

        @Override
        public SpanBuilder setNoParent() {
            parent = Context.root();
            return this;
        }

        @Override
        public SpanBuilder addLink(SpanContext spanContext) {
            return this;
        }

        @Override
        public SpanBuilder addLink(SpanContext spanContext, Attributes attributes) {
            return this;
        }

        @Override
        public SpanBuilder setAttribute(String key, String value) {
            return this;
        }

        @Override
        public SpanBuilder setAttribute(String key, long value) {
            return this;
        }

        @Override
        public SpanBuilder setAttribute(String key, double value) {
            return this;
        }

        @Override
        public SpanBuilder setAttribute(String key, boolean value) {
            return this;
        }

        @Override
        public <T> SpanBuilder setAttribute(AttributeKey<T> key, T value) {
            return this;
        }

        @Override
        public SpanBuilder setSpanKind(SpanKind spanKind) {
            return this;
        }

        @Override
        public SpanBuilder setStartTimestamp(long startTimestamp, TimeUnit unit) {
            return this;
        }

        @Override
        public Span startSpan() {
            return start(Span.fromContext(parent != null ? parent : Context.current())
                    .getSpanContext());
        }
    }
}
