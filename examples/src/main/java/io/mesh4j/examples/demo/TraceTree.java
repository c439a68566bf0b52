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
    private static final int KEPT_TRACES = 100;

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
        trace.stream()
                .filter(s -> !s.getParentSpanContext().isValid())
                .sorted(Comparator.comparingLong(SpanData::getStartEpochNanos))
                .forEach(root -> print(out, trace, root, ""));
    }

    private static void print(PrintStream out, List<SpanData> trace, SpanData span, String indent) {
        final String service = span.getResource().getAttribute(SERVICE_NAME);
        final String label = indent + (indent.isEmpty() ? "" : "└─ ") + describe(span);
        out.printf(
                "  %-10s %-62s %8.1f ms%n",
                service, label, (span.getEndEpochNanos() - span.getStartEpochNanos()) / 1e6);
        trace.stream()
                .filter(s -> s.getParentSpanId().equals(span.getSpanId()))
                .sorted(Comparator.comparingLong(SpanData::getStartEpochNanos))
                .forEach(child -> print(out, trace, child, indent.isEmpty() ? " " : indent + "   "));
    }

    private static String describe(SpanData span) {
        if (span.getKind() != SpanKind.CLIENT) {
            return span.getName() + "  (server)";
        }
        final String peer = span.getAttributes().get(HttpAttributes.PEER_SERVICE);
        final List<EventData> attempts = span.getEvents();
        final @Nullable String instance = attempts.isEmpty()
                ? null
                : attempts.get(attempts.size() - 1).getAttributes().get(HttpAttributes.MESH_INSTANCE);
        return span.getName() + " → " + peer + "  (client, " + attempts.size()
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
