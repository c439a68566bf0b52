package io.mesh4j.core.internal.telemetry;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;

import io.mesh4j.core.telemetry.Propagation;
import io.netty.util.AsciiString;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.extension.trace.propagation.B3Propagator;

/**
 * Reads trace context from inbound headers in every accepted format and writes it in the configured ones.
 *
 * <p>On extraction the formats are tried in the configured order and the first valid parent wins, so that a
 * request that carries both {@code traceparent} and {@code b3} continues one trace, not two. A format whose
 * headers are present but malformed never fails the request: it is skipped (the request starts a new trace if no
 * other format holds a valid parent) and reported to {@code onMalformed} with the header's name.
 */
public final class TracePropagation {

    static final String B3 = "b3";
    static final String X_B3_TRACE_ID = "x-b3-traceid";
    static final String BAGGAGE_HEADER = "baggage";

    /**
     * The names made once: a name given as a {@code String} is made into a new {@link AsciiString} by every
     * {@code set}, on every call, when Armeria does not know it (it knows neither).
     */
    private static final AsciiString TRACEPARENT = HttpHeaderNames.of(W3cTraceContext.TRACEPARENT);

    private static final AsciiString TRACESTATE = HttpHeaderNames.of(W3cTraceContext.TRACESTATE);

    private static final TextMapPropagator B3_SINGLE = B3Propagator.injectingSingleHeader();
    private static final TextMapPropagator B3_MULTI = B3Propagator.injectingMultiHeaders();
    private static final TextMapPropagator BAGGAGE = W3CBaggagePropagator.getInstance();

    private final List<Propagation> inject;
    private final List<Propagation> extract;
    private final Consumer<String> onMalformed;
    /** Whether a traceparent is read as numbers, not text: no exporter, so nothing compares its span contexts. */
    private final boolean asIds;

    public TracePropagation(List<Propagation> inject, List<Propagation> extract, Consumer<String> onMalformed) {
        this(inject, extract, onMalformed, false);
    }

    /**
     * @param asIds whether parents are read as {@link PropagatingTracer}'s span contexts, which keep their ids as
     *     numbers: only for its tracer, since an SDK compares span contexts by their class
     */
    public TracePropagation(
            List<Propagation> inject, List<Propagation> extract, Consumer<String> onMalformed, boolean asIds) {
        this.asIds = asIds;
        this.inject = List.copyOf(inject);
        this.extract = List.copyOf(extract);
        this.onMalformed = requireNonNull(onMalformed, "onMalformed");
    }

    /**
     * The context an inbound request continues: a remote parent span and baggage, or the root context when
     * no accepted format holds a valid parent.
     */
    public Context extract(HttpHeaders headers) {
        return extract(headers, null);
    }

    /**
     * The context an inbound request continues, as {@link #extract(HttpHeaders)}, but with the span that {@code
     * child} makes of the remote parent in place of that parent: one context made, not one for the parent and
     * another for its child.
     *
     * @param child makes the request's span of its remote parent's span context, invalid when there is none
     */
    public Context extractChild(HttpHeaders headers, Function<SpanContext, Span> child) {
        return extract(headers, requireNonNull(child, "child"));
    }

    private Context extract(HttpHeaders headers, @Nullable Function<SpanContext, Span> child) {
        requireNonNull(headers, "headers");
        Context context = Context.root();
        @Nullable SpanContext parent = null;
        for (Propagation format : extract) {
            switch (format) {
                case TRACECONTEXT: {
                    final @Nullable SpanContext found = extractTraceContext(headers);
                    parent = parent != null ? parent : found;
                    break;
                }
                case B3_SINGLE: {
                    final @Nullable SpanContext found = extractB3(headers, B3::equals, B3);
                    parent = parent != null ? parent : found;
                    break;
                }
                case B3_MULTI: {
                    final @Nullable SpanContext found =
                            extractB3(headers, name -> name.startsWith("x-b3-"), X_B3_TRACE_ID);
                    parent = parent != null ? parent : found;
                    break;
                }
                case BAGGAGE:
                    // Most requests carry none: then the propagator is not asked, and builds no list to find none.
                    if (headers.contains(BAGGAGE_HEADER)) {
                        context = BAGGAGE.extract(context, headers, Getter.ALL);
                    }
                    break;
                default:
                    throw new IllegalStateException("unknown format " + format);
            }
        }
        if (child != null) {
            return context.with(child.apply(parent != null ? parent : SpanContext.getInvalid()));
        }
        return parent != null ? context.with(Span.wrap(parent)) : context;
    }

    private @Nullable SpanContext extractTraceContext(HttpHeaders headers) {
        // Read in place, not as a list: this runs for every request a server takes.
        final Iterator<String> traceparents = headers.valueIterator(W3cTraceContext.TRACEPARENT);
        if (!traceparents.hasNext()) {
            return null;
        }
        final String traceparent = traceparents.next();
        // More than one traceparent is no parent.
        final @Nullable SpanContext parent =
                traceparents.hasNext() ? null : W3cTraceContext.parseTraceparent(traceparent, asIds);
        if (parent == null) {
            onMalformed.accept(W3cTraceContext.TRACEPARENT);
            // A vendor that cannot parse traceparent must not read tracestate.
            return null;
        }
        if (!headers.contains(W3cTraceContext.TRACESTATE)) {
            return parent;
        }
        final List<String> tracestates = headers.getAll(W3cTraceContext.TRACESTATE);
        final @Nullable TraceState state = W3cTraceContext.parseTracestate(tracestates);
        if (state == null) {
            // An invalid tracestate is dropped; the traceparent still stands.
            onMalformed.accept(W3cTraceContext.TRACESTATE);
            return parent;
        }
        if (parent instanceof IdSpanContext) {
            final IdSpanContext ids = (IdSpanContext) parent;
            return new IdSpanContext(
                    ids.traceIdHigh, ids.traceIdLow, null, ids.spanIdValue, ids.isSampled(), state, true);
        }
        return SpanContext.createFromRemoteParent(
                parent.getTraceId(), parent.getSpanId(), parent.getTraceFlags(), state);
    }

    private @Nullable SpanContext extractB3(HttpHeaders headers, Predicate<String> own, String presence) {
        if (!headers.contains(presence)) {
            return null;
        }
        final Context extracted = B3_SINGLE.extract(Context.root(), headers, new Getter(own));
        final SpanContext parent = Span.fromContext(extracted).getSpanContext();
        if (!parent.isValid()) {
            onMalformed.accept(presence);
            return null;
        }
        return parent;
    }

    /**
     * Writes {@code context}'s span and baggage into {@code headers} in every configured format, replacing what
     * the headers held before in those formats.
     */
    public void inject(Context context, RequestHeadersBuilder headers) {
        requireNonNull(context, "context");
        requireNonNull(headers, "headers");
        final SpanContext span = Span.fromContext(context).getSpanContext();
        for (Propagation format : inject) {
            switch (format) {
                case TRACECONTEXT:
                    if (span.isValid()) {
                        headers.set(TRACEPARENT, W3cTraceContext.formatTraceparent(span));
                        if (span.getTraceState().isEmpty()) {
                            headers.remove(TRACESTATE);
                        } else {
                            headers.set(TRACESTATE, W3cTraceContext.formatTracestate(span.getTraceState()));
                        }
                    }
                    break;
                case B3_SINGLE:
                    B3_SINGLE.inject(context, headers, RequestHeadersBuilder::set);
                    break;
                case B3_MULTI:
                    B3_MULTI.inject(context, headers, RequestHeadersBuilder::set);
                    break;
                case BAGGAGE:
                    BAGGAGE.inject(context, headers, RequestHeadersBuilder::set);
                    break;
                default:
                    throw new IllegalStateException("unknown format " + format);
            }
        }
    }

    @Override
    public String toString() {
        return "TracePropagation(inject=" + inject + ", extract=" + extract + ')';
    }

    /** Reads Armeria's headers, seeing only the names a format owns so that formats cannot read each other. */
    private static final class Getter implements TextMapGetter<HttpHeaders> {

        static final Getter ALL = new Getter(name -> true);

        private final Predicate<String> own;

        Getter(Predicate<String> own) {
            this.own = own;
        }

        @Override
        public Iterable<String> keys(HttpHeaders carrier) {
            final List<String> names = new ArrayList<>();
            carrier.names().forEach(name -> {
                if (own.test(name.toString())) {
                    names.add(name.toString());
                }
            });
            return names;
        }

        @Override
        public @Nullable String get(@Nullable HttpHeaders carrier, String key) {
            final String name = key.toLowerCase(Locale.ROOT);
            return carrier != null && own.test(name) ? carrier.get(name) : null;
        }

        @Override
        public Iterator<String> getAll(@Nullable HttpHeaders carrier, String key) {
            final String name = key.toLowerCase(Locale.ROOT);
            return carrier != null && own.test(name) ? carrier.getAll(name).iterator() : Collections.emptyIterator();
        }
    }
}
