package io.mesh4j.core.telemetry;

/**
 * A way of carrying trace context (and baggage) in HTTP headers.
 */
public enum Propagation {
    /** W3C Trace Context: {@code traceparent} and {@code tracestate}, read strictly; the default. */
    TRACECONTEXT,
    /** W3C Baggage: the {@code baggage} header; on by default. */
    BAGGAGE,
    /** Zipkin's B3 in one header, {@code b3: {trace}-{span}-{sampled}}. */
    B3_SINGLE,
    /** Zipkin's B3 in several headers, {@code X-B3-TraceId}, {@code X-B3-SpanId}, {@code X-B3-Sampled}. */
    B3_MULTI
}
