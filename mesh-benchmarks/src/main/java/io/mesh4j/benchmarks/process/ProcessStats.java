package io.mesh4j.benchmarks.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What a process costs, read from Linux's {@code /proc}: CPU time used so far, resident memory, threads.
 */
public final class ProcessStats {

    /**
     * The CPU time (user and system, every thread) that process {@code pid} has used since it started.
     */
    public static Duration cpu(long pid) {
        return ProcessHandle.of(pid)
                .flatMap(handle -> handle.info().totalCpuDuration())
                .orElseThrow(() -> new IllegalStateException(
                        "no CPU time for pid " + pid + " (expected: a live process on Linux)"));
    }

    /** The resident set size of process {@code pid} now, in bytes. */
    public static long rssBytes(long pid) {
        return statusKilobytes(pid, "VmRSS:") * 1024;
    }

    /** The largest resident set size process {@code pid} has had, in bytes. */
    public static long peakRssBytes(long pid) {
        return statusKilobytes(pid, "VmHWM:") * 1024;
    }

    /** The threads of process {@code pid} now: the JVM's own (GC, compiler) and the application's. */
    public static int threads(long pid) {
        return (int) statusValue(pid, "Threads:");
    }

    private static long statusKilobytes(long pid, String field) {
        return statusValue(pid, field);
    }

    private static long statusValue(long pid, String field) {
        final List<String> status;
        try {
            status = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the status of pid " + pid, e);
        }
        for (String line : status) {
            if (line.startsWith(field)) {
                // "VmRSS:     123456 kB", "Threads:    23"
                return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException("no " + field + " in /proc/" + pid + "/status");
    }

    private ProcessStats() {}
}
