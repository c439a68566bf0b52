package io.mesh4j.benchmarks.profile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

import io.mesh4j.benchmarks.report.Table;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a recorded JVM spent its CPU, from its execution samples: the hottest methods by their own time, and the
 * share of samples in which each library (and each mesh4j class) was anywhere on the stack. The second is what
 * says what a layer costs with everything it calls.
 */
public final class JfrSummary {

    /**
     * Libraries by package prefix, in the order they are shown. A sample counts for each one on its stack; TLS
     * counts the JDK's and Netty's TLS code, wherever it is called from.
     */
    static final Map<String, Predicate<String>> LIBRARIES = libraries();

    static final String BENCHMARKS = "io.mesh4j.benchmarks.";

    static final int TOP = 15;

    private final int samples;
    private final Map<String, Integer> selfByMethod;
    private final Map<String, Integer> inclusiveByLibrary;
    private final Map<String, Integer> inclusiveByMeshClass;

    private JfrSummary(
            int samples,
            Map<String, Integer> selfByMethod,
            Map<String, Integer> inclusiveByLibrary,
            Map<String, Integer> inclusiveByMeshClass) {
        this.samples = samples;
        this.selfByMethod = selfByMethod;
        this.inclusiveByLibrary = inclusiveByLibrary;
        this.inclusiveByMeshClass = inclusiveByMeshClass;
    }

    private static Map<String, Predicate<String>> libraries() {
        final Map<String, Predicate<String>> libraries = new LinkedHashMap<>();
        libraries.put("mesh4j", type -> type.startsWith("io.mesh4j.") && !type.startsWith(BENCHMARKS));
        libraries.put("OpenTelemetry (tracing)", prefixes("io.opentelemetry."));
        libraries.put("Micrometer (metrics)", prefixes("io.micrometer."));
        libraries.put("resilience4j (breakers)", prefixes("io.github.resilience4j."));
        libraries.put("Caffeine", prefixes("com.github.benmanes.caffeine."));
        libraries.put("BouncyCastle", prefixes("org.bouncycastle."));
        libraries.put("Armeria", prefixes("com.linecorp.armeria."));
        libraries.put(
                "TLS (JDK, Netty, BoringSSL)",
                prefixes(
                        "sun.security.ssl.", "javax.net.ssl.",
                        "io.netty.handler.ssl.", "io.netty.internal.tcnative."));
        libraries.put("Netty", prefixes("io.netty."));
        libraries.put("the benchmark's own code", prefixes(BENCHMARKS));
        return libraries;
    }

    private static Predicate<String> prefixes(String... prefixes) {
        return type -> Stream.of(prefixes).anyMatch(type::startsWith);
    }

    public static JfrSummary read(Path file) {
        final Map<String, Integer> self = new HashMap<>();
        final Map<String, Integer> libraries = new HashMap<>();
        final Map<String, Integer> meshClasses = new HashMap<>();
        int samples = 0;
        try {
            for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
                if (!"jdk.ExecutionSample".equals(event.getEventType().getName())) {
                    continue;
                }
                final RecordedStackTrace stack = event.getStackTrace();
                if (stack == null || stack.getFrames().isEmpty()) {
                    continue;
                }
                samples++;
                final List<RecordedFrame> frames = stack.getFrames();
                self.merge(methodOf(frames.get(0)), 1, Integer::sum);
                final Set<String> seenLibraries = new LinkedHashSet<>();
                final Set<String> seenClasses = new LinkedHashSet<>();
                for (RecordedFrame frame : frames) {
                    final String type = frame.getMethod().getType().getName();
                    LIBRARIES.forEach((library, owns) -> {
                        if (owns.test(type)) {
                            seenLibraries.add(library);
                        }
                    });
                    if (type.startsWith("io.mesh4j.") && !type.startsWith(BENCHMARKS)) {
                        seenClasses.add(topLevel(type));
                    }
                }
                seenLibraries.forEach(library -> libraries.merge(library, 1, Integer::sum));
                seenClasses.forEach(type -> meshClasses.merge(type, 1, Integer::sum));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the recording " + file, e);
        }
        return new JfrSummary(samples, self, libraries, meshClasses);
    }

    static String methodOf(RecordedFrame frame) {
        final String type = frame.getMethod().getType().getName();
        return type.substring(type.lastIndexOf('.') + 1)
                + '.'
                + frame.getMethod().getName();
    }

    /** {@code io.mesh4j.client.internal.retry.RetryLayer$RetryingClient} → {@code client.retry.RetryLayer} */
    static String topLevel(String type) {
        final int nested = type.indexOf('$');
        return (nested < 0 ? type : type.substring(0, nested)).substring("io.mesh4j.".length());
    }

    public int samples() {
        return samples;
    }

    /** Three tables under {@code title}. */
    public String summary(String title) {
        final StringBuilder out = new StringBuilder();
        out.append("#### Profile: ").append(title).append(String.format(Locale.ROOT, " (%,d samples)%n%n", samples));
        final Table libraries = Table.of("on the stack", "share of samples");
        LIBRARIES
                .keySet()
                .forEach(library -> libraries.row(library, share(inclusiveByLibrary.getOrDefault(library, 0))));
        out.append(libraries).append('\n');
        final Table meshClasses = Table.of("mesh4j class on the stack", "share of samples");
        top(inclusiveByMeshClass).forEach((type, count) -> meshClasses.row(type, share(count)));
        out.append(meshClasses).append('\n');
        final Table methods = Table.of("hottest methods (own time)", "share of samples");
        top(selfByMethod).forEach((method, count) -> methods.row(method, share(count)));
        out.append(methods);
        return out.toString();
    }

    private String share(int count) {
        return samples == 0 ? "" : String.format(Locale.ROOT, "%.1f %%", 100.0 * count / samples);
    }

    static <N extends Comparable<N>> Map<String, N> top(Map<String, N> counts) {
        final Map<String, N> top = new LinkedHashMap<>();
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, N>comparingByValue().reversed())
                .limit(TOP)
                .forEach(e -> top.put(e.getKey(), e.getValue()));
        return top;
    }
}
