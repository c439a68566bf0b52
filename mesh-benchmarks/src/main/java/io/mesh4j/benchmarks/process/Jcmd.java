package io.mesh4j.benchmarks.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JDK's {@code jcmd}, to ask another JVM for what only it knows: its live heap after a full collection, its
 * classes, its native memory by category, or a flight recording of one phase.
 */
public final class Jcmd {

    private static final Pattern HEAP_USED = Pattern.compile("heap\\s+total\\s+(\\d+)K,\\s+used\\s+(\\d+)K");

    private static final Pattern METASPACE = Pattern.compile("Metaspace\\s+used\\s+(\\d+)K,\\s+committed\\s+(\\d+)K");

    /** {@code -  Java Heap (reserved=524288KB, committed=36864KB)} in {@code VM.native_memory summary}. */
    private static final Pattern NMT_CATEGORY =
            Pattern.compile("^-\\s+(.+?) \\(reserved=\\d+KB, committed=(\\d+)KB\\)", Pattern.MULTILINE);

    private static final Pattern NMT_TOTAL = Pattern.compile("Total: reserved=\\d+KB, committed=(\\d+)KB");

    /** {@code "armeria-common-worker-epoll-3-1" #23 daemon prio=5 ...} in {@code Thread.print}. */
    private static final Pattern THREAD = Pattern.compile("^\"(.*)\" #\\d+", Pattern.MULTILINE);

    /** {@code java.cls.loadedClasses=12345} in {@code PerfCounter.print}. */
    private static final Pattern PERF_COUNTER = Pattern.compile("^([\\w.]+)=(\\S+)$", Pattern.MULTILINE);

    /**
     * The heap right after a full collection, in bytes.
     *
     * @param used      what is live
     * @param committed what the collector keeps from the operating system for the heap, live or not
     * @param metaspace what the JVM has committed for the loaded classes' metadata
     */
    public record Heap(long used, long committed, long metaspace) {}

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
        final Matcher metaspace = METASPACE.matcher(info);
        return new Heap(
                Long.parseLong(heap.group(2)) * 1024,
                Long.parseLong(heap.group(1)) * 1024,
                metaspace.find() ? Long.parseLong(metaspace.group(2)) * 1024 : 0);
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

    /**
     * What JVM {@code pid} has committed, by Native Memory Tracking's categories (Java Heap, Class, Thread, Code,
     * ...) and in total ({@code "Total"}), in bytes. The JVM must run with {@code -XX:NativeMemoryTracking=summary}.
     */
    public static Map<String, Long> nativeMemory(long pid) {
        final String summary = run(pid, "VM.native_memory", "summary");
        final Map<String, Long> committed = new LinkedHashMap<>();
        final Matcher total = NMT_TOTAL.matcher(summary);
        if (!total.find()) {
            throw new IllegalStateException("no total in jcmd " + pid + " VM.native_memory summary: " + summary);
        }
        committed.put("Total", Long.parseLong(total.group(1)) * 1024);
        final Matcher category = NMT_CATEGORY.matcher(summary);
        while (category.find()) {
            committed.put(category.group(1).trim(), Long.parseLong(category.group(2)) * 1024);
        }
        return committed;
    }

    /** The names of JVM {@code pid}'s Java threads now, from a thread dump. */
    public static List<String> threadNames(long pid) {
        final List<String> names = new ArrayList<>();
        final Matcher thread = THREAD.matcher(run(pid, "Thread.print"));
        while (thread.find()) {
            names.add(thread.group(1));
        }
        return names;
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
