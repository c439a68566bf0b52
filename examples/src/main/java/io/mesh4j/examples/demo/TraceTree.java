package io.mesh4j.examples.demo;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.internal.telemetry.HttpAttributes;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * The demo's span exporter: keeps the spans of the last traces in memory and prints one trace as a tree, as a
 * tracing back end would draw it. Every service's telemetry in the demo exports here, so one trace gathers the
 * spans of all of them.
 */
final class TraceTree implements SpanExporter {

    private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
    private static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
    private static final int KEPT_TRACES = 100;
    private static final int MIN_LABEL_WIDTH = 62;

    private final Map<String, List<SpanData>> traces = new LinkedHashMap<>();

    @Override
    public synchronized CompletableResultCode export(Collection<SpanData> spans) {
        for (SpanData span : spans) {
            traces.computeIfAbsent(span.getTraceId(), unused -> new ArrayList<>())
                    .add(span);
        }
        while (traces.size() > KEPT_TRACES) {
            traces.remove(traces.keySet().iterator().next());
        }
        return CompletableResultCode.ofSuccess();
    }

    /**
     * The most recent trace that has a root span and at least {@code minSpans} spans.
     */
    synchronized Optional<List<SpanData>> lastComplete(int minSpans) {
        final List<List<SpanData>> all = new ArrayList<>(traces.values());
        for (int i = all.size() - 1; i >= 0; i--) {
            final List<SpanData> trace = all.get(i);
            if (trace.size() >= minSpans
                    && trace.stream().anyMatch(s -> !s.getParentSpanContext().isValid())) {
                return Optional.of(List.copyOf(trace));
            }
        }
        return Optional.empty();
    }

    /** Prints {@code trace} as a tree: who called whom, with each span's name and duration. */
    static void print(PrintStream out, List<SpanData> trace) {
        out.println("trace " + trace.get(0).getTraceId() + " (" + trace.size() + " spans):");
        final List<Line> lines = new ArrayList<>();
        trace.stream()
                .filter(s -> !s.getParentSpanContext().isValid())
                .sorted(Comparator.comparingLong(SpanData::getStartEpochNanos))
                .forEach(root -> collect(lines, trace, root, ""));
        // The durations line up after the longest label: a gRPC method's name is longer than an HTTP route.
        final int width = Math.max(
                MIN_LABEL_WIDTH,
                lines.stream().mapToInt(l -> l.label.length()).max().orElse(0));
        for (Line line : lines) {
            out.printf("  %-10s %-" + width + "s %8.1f ms%n", line.service, line.label, line.millis);
        }
    }

    private static void collect(List<Line> lines, List<SpanData> trace, SpanData span, String indent) {
        lines.add(new Line(
                span.getResource().getAttribute(SERVICE_NAME),
                indent + (indent.isEmpty() ? "" : "└─ ") + describe(span),
                (span.getEndEpochNanos() - span.getStartEpochNanos()) / 1e6));
        trace.stream()
                .filter(s -> s.getParentSpanId().equals(span.getSpanId()))
                .sorted(Comparator.comparingLong(SpanData::getStartEpochNanos))
                .forEach(child -> collect(lines, trace, child, indent.isEmpty() ? " " : indent + "   "));
    }

    /** One span of the tree, as printed. */
    private record Line(@Nullable String service, String label, double millis) {}

    private static String describe(SpanData span) {
        // A gRPC span is named after its method (the OpenTelemetry RPC conventions): say it is gRPC.
        final String protocol = "grpc".equals(span.getAttributes().get(RPC_SYSTEM)) ? "gRPC " : "";
        if (span.getKind() != SpanKind.CLIENT) {
            return span.getName() + "  (" + protocol + "server)";
        }
        final String peer = span.getAttributes().get(HttpAttributes.PEER_SERVICE);
        final List<EventData> attempts = span.getEvents();
        final @Nullable String instance = attempts.isEmpty()
                ? null
                : attempts.get(attempts.size() - 1).getAttributes().get(HttpAttributes.MESH_INSTANCE);
        return span.getName() + " → " + peer + "  (" + protocol + "client, " + attempts.size()
                + (attempts.size() == 1 ? " attempt" : " attempts") + (instance != null ? ", " + instance : "")
                + ')';
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
    }

    /** Several telemetries share this exporter: each shuts it down, and it keeps what it has for printing. */
    @Override
    public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
    }
}
