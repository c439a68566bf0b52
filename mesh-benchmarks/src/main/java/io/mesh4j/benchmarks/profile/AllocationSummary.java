package io.mesh4j.benchmarks.profile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import io.mesh4j.benchmarks.report.Table;
import jdk.jfr.consumer.RecordedClass;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * What a recorded JVM allocated, from its allocation samples ({@code jdk.ObjectAllocationSample}, which the JDK's
 * {@code profile} settings take up to 300 times a second, each weighted by the bytes allocated since the one before
 * on its thread; a thread's first sample, which weighs what it allocated before the recording, is left out): the
 * sites that allocated the most, and the share of the bytes that each library and each mesh4j
 * class had on the stack. It says where the bytes come from; how many a request allocates is measured exactly, per
 * thread, by the benchmark ({@code AllocatedBytes}), not estimated from these samples.
 */
public final class AllocationSummary {

    private static final String EVENT = "jdk.ObjectAllocationSample";

    private final int samples;
    private final long weight;
    private final Map<String, Long> bySite;
    private final Map<String, Long> byLibrary;
    private final Map<String, Long> byMeshClass;

    private AllocationSummary(
            int samples,
            long weight,
            Map<String, Long> bySite,
            Map<String, Long> byLibrary,
            Map<String, Long> byMeshClass) {
        this.samples = samples;
        this.weight = weight;
        this.bySite = bySite;
        this.byLibrary = byLibrary;
        this.byMeshClass = byMeshClass;
    }

    public static AllocationSummary read(Path file) {
        final Map<String, Long> bySite = new HashMap<>();
        final Map<String, Long> byLibrary = new HashMap<>();
        final Map<String, Long> byMeshClass = new HashMap<>();
        final Set<Long> sampledThreads = new HashSet<>();
        int samples = 0;
        long total = 0;
        try {
            for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
                if (!EVENT.equals(event.getEventType().getName())) {
                    continue;
                }
                final @Nullable RecordedStackTrace stack = event.getStackTrace();
                if (stack == null || stack.getFrames().isEmpty()) {
                    continue;
                }
                // A thread's first sample weighs every byte the thread allocated before it, since it started: before
                // the recording too (hundreds of GiB for an event loop that has run for minutes). Only the samples
                // after it weigh what was allocated during the recording.
                final @Nullable RecordedThread thread = event.getThread("eventThread");
                if (thread != null && sampledThreads.add(thread.getJavaThreadId())) {
                    continue;
                }
                final long weight = event.getLong("weight");
                samples++;
                total += weight;
                final List<RecordedFrame> frames = stack.getFrames();
                bySite.merge(site(frames, event.getClass("objectClass")), weight, Long::sum);
                final Set<String> libraries = new LinkedHashSet<>();
                final Set<String> meshClasses = new LinkedHashSet<>();
                for (RecordedFrame frame : frames) {
                    final String type = frame.getMethod().getType().getName();
                    JfrSummary.LIBRARIES.forEach((library, owns) -> {
                        if (owns.test(type)) {
                            libraries.add(library);
                        }
                    });
                    if (type.startsWith("io.mesh4j.") && !type.startsWith(JfrSummary.BENCHMARKS)) {
                        meshClasses.add(JfrSummary.topLevel(type));
                    }
                }
                libraries.forEach(library -> byLibrary.merge(library, weight, Long::sum));
                meshClasses.forEach(type -> byMeshClass.merge(type, weight, Long::sum));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the recording " + file, e);
        }
        return new AllocationSummary(samples, total, bySite, byLibrary, byMeshClass);
    }

    /**
     * The first frame outside the JDK and what it allocated: {@code DefaultRequestLog.startRequest → Object[]}. The
     * JDK frame on top ({@code Arrays.copyOf}, {@code HashMap.resize}) says little about which code asked for it.
     */
    private static String site(List<RecordedFrame> frames, @Nullable RecordedClass objectClass) {
        RecordedFrame site = frames.get(0);
        for (RecordedFrame frame : frames) {
            final String type = frame.getMethod().getType().getName();
            if (!type.startsWith("java.") && !type.startsWith("jdk.") && !type.startsWith("sun.")) {
                site = frame;
                break;
            }
        }
        final String allocated = objectClass == null ? "?" : objectClass.getName();
        return JfrSummary.methodOf(site) + " → " + allocated.substring(allocated.lastIndexOf('.') + 1);
    }

    /** Three tables under {@code title}. */
    public String summary(String title) {
        final StringBuilder out = new StringBuilder();
        out.append("#### Allocation: ")
                .append(title)
                .append(String.format(
                        Locale.ROOT, " (%,d samples, %,.0f MiB sampled)%n%n", samples, weight / (1024.0 * 1024)));
        final Table libraries = Table.of("on the stack", "share of bytes");
        JfrSummary.LIBRARIES
                .keySet()
                .forEach(library -> libraries.row(library, share(byLibrary.getOrDefault(library, 0L))));
        out.append(libraries).append('\n');
        final Table meshClasses = Table.of("mesh4j class on the stack", "share of bytes");
        JfrSummary.top(byMeshClass).forEach((type, bytes) -> meshClasses.row(type, share(bytes)));
        out.append(meshClasses).append('\n');
        final Table sites = Table.of("top allocation sites (first frame outside the JDK → class)", "share of bytes");
        JfrSummary.top(bySite).forEach((site, bytes) -> sites.row(site, share(bytes)));
        out.append(sites);
        return out.toString();
    }

    private String share(long bytes) {
        return weight == 0 ? "" : String.format(Locale.ROOT, "%.1f %%", 100.0 * bytes / weight);
    }
}
