package io.mesh4j.benchmarks.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JDK's {@code jcmd}, to ask another JVM for what only it knows: its live heap after a full collection, or a
 * flight recording of one phase.
 */
public final class Jcmd {

    private static final Pattern HEAP_USED = Pattern.compile("heap\\s+total\\s+(\\d+)K,\\s+used\\s+(\\d+)K");

    /** {@code java.cls.loadedClasses=12345} in {@code PerfCounter.print}. */
    private static final Pattern PERF_COUNTER = Pattern.compile("^([\\w.]+)=(\\S+)$", Pattern.MULTILINE);

    /**
     * The heap right after a full collection, in bytes.
     *
     * @param used      what is live
     * @param committed what the collector keeps from the operating system for the heap, live or not
     */
    public record Heap(long used, long committed) {}

    /** Runs {@code jcmd PID COMMAND...} and returns what it printed. */
    public static String run(long pid, String... command) {
        final Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        final List<String> line = new ArrayList<>(List.of(jcmd.toString(), Long.toString(pid)));
        line.addAll(List.of(command));
        try {
            final Process process =
                    new ProcessBuilder(line).redirectErrorStream(true).start();
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", line) + " failed: " + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + jcmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + jcmd, e);
        }
    }

    /** The heap JVM {@code pid} holds live: what is used right after a full collection, in bytes. */
    public static long liveHeapBytes(long pid) {
        return heapAfterFullGc(pid).used();
    }

    /** Runs a full collection in JVM {@code pid} ({@code System.gc()}) and returns its heap right after. */
    public static Heap heapAfterFullGc(long pid) {
        run(pid, "GC.run");
        final String info = run(pid, "GC.heap_info");
        final Matcher heap = HEAP_USED.matcher(info);
        if (!heap.find()) {
            throw new IllegalStateException("no heap usage in jcmd " + pid + " GC.heap_info: " + info);
        }
        return new Heap(Long.parseLong(heap.group(2)) * 1024, Long.parseLong(heap.group(1)) * 1024);
    }

    /**
     * The classes JVM {@code pid} holds now: loaded, less unloaded, from its performance counters (which cost the
     * JVM nothing to read, unlike asking it from inside).
     */
    public static long loadedClasses(long pid) {
        final String counters = run(pid, "PerfCounter.print");
        return perfCounter(pid, counters, "java.cls.loadedClasses")
                - perfCounter(pid, counters, "java.cls.unloadedClasses");
    }

    private static long perfCounter(long pid, String counters, String name) {
        final Matcher counter = PERF_COUNTER.matcher(counters);
        while (counter.find()) {
            if (counter.group(1).equals(name)) {
                return Long.parseLong(counter.group(2));
            }
        }
        throw new IllegalStateException("no " + name + " in jcmd " + pid + " PerfCounter.print");
    }

    private Jcmd() {}
}
