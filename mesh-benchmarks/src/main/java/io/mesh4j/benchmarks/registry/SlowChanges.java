package io.mesh4j.benchmarks.registry;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

/**
 * The slowest timed changes of a configuration, and what else happened while each was on its way: this process's
 * collections and JIT compilation (the watchers' and writer's), and the pauses and compilations the watched
 * registry logged. With a p99 read from a few hundred changes, the few slowest decide it; this says which ones
 * (their place in the run) and whether a collector or the JIT was busy on either side of them. It also counts the
 * watched registry's compilations during the untimed warm-up changes and during the timed ones: counts, which a
 * loaded machine does not change.
 */
final class SlowChanges {

    /** How many of the slowest changes are kept. */
    static final int KEPT = 3;

    /** The JVM flag that logs what {@link #describe} reads: pauses and compilations, stamped with the time of day. */
    static String logFlag(Path log) {
        return "-Xlog:gc=info,jit+compilation=debug:file=" + log + ":time";
    }

    /** A line of that log: its time (when the pause ended, or the compilation was logged) and the rest. */
    private static final Pattern LINE = Pattern.compile("^\\[([^\\]]+)\\]\\s*(.*)$");

    /** A G1 pause, with how long it took. */
    private static final Pattern PAUSE = Pattern.compile("\\bPause\\b.*?([0-9]+(?:\\.[0-9]+)?)ms\\s*$");

    /** A compilation, as jit+compilation=debug logs it: "id tier [flags] class::method (n bytes)". */
    private static final Pattern COMPILATION = Pattern.compile("^[0-9]+\\s.*::");

    private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ");

    /** One timed change: its place among the timed ones (1 = first), when it was written, how long it took. */
    private record Change(int ordinal, long startedAtMillis, long tookNanos, long ownGcMillis, long ownJitMillis) {}

    private final List<Change> slowest = new ArrayList<>();
    private final @Nullable CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    private long ownGcMillisAtStart;
    private long ownJitMillisAtStart;
    private long startedAtMillis;
    private int ordinal;
    private long warmupFromMillis;
    private long timedFromMillis;
    private long timedToMillis;
    private int warmupChanges;
    private long ownCollectionsAtStart;
    private long ownCollections;
    private long ownGcMillisOfTimed;
    private long ownGcMillisAtTimedStart;

    /** Notes that the untimed warm-up changes start now. */
    void warmingUp(int changes) {
        warmupChanges = changes;
        warmupFromMillis = System.currentTimeMillis();
    }

    /** Notes that a timed change is written now. */
    void starting() {
        if (ordinal == 0) {
            timedFromMillis = System.currentTimeMillis();
            ownCollectionsAtStart = ownCollections();
            ownGcMillisAtTimedStart = ownGcMillis();
        }
        ordinal++;
        startedAtMillis = System.currentTimeMillis();
        ownGcMillisAtStart = ownGcMillis();
        ownJitMillisAtStart = ownJitMillis();
    }

    /** Notes that the change written last took {@code tookNanos} until every watcher had it. */
    void took(long tookNanos) {
        slowest.add(new Change(
                ordinal,
                startedAtMillis,
                tookNanos,
                ownGcMillis() - ownGcMillisAtStart,
                ownJitMillis() - ownJitMillisAtStart));
        slowest.sort(Comparator.comparingLong(Change::tookNanos).reversed());
        if (slowest.size() > KEPT) {
            slowest.remove(KEPT);
        }
    }

    /** Notes that the timed changes are over. */
    void ended() {
        timedToMillis = System.currentTimeMillis();
        ownCollections = ownCollections() - ownCollectionsAtStart;
        ownGcMillisOfTimed = ownGcMillis() - ownGcMillisAtTimedStart;
    }

    /**
     * One line: the slowest changes, each with its place, what this process's collectors and JIT spent during it,
     * and the pauses and compilations of {@code registryLog} (written with {@link #logFlag}) that overlap it; then
     * the registry's compilations during the warm-up changes and the timed ones.
     */
    String describe(Path registryLog) {
        final List<long[]> pauses = new ArrayList<>();
        final List<Long> compilations = new ArrayList<>();
        final boolean logged = read(registryLog, pauses, compilations);
        final String changes = slowest.stream()
                .map(change -> {
                    final long from = change.startedAtMillis();
                    final long to = from + change.tookNanos() / 1_000_000 + 1;
                    double paused = 0;
                    int count = 0;
                    for (long[] pause : pauses) {
                        // pause[0]: when it ended (ms since the epoch); pause[1]: how long, µs.
                        if (pause[0] >= from && pause[0] - pause[1] / 1000 <= to) {
                            paused += pause[1] / 1000.0;
                            count++;
                        }
                    }
                    return String.format(
                            Locale.ROOT,
                            "#%d %.1f ms (watchers' process: GC %d ms, JIT %d ms; watched registry: %s)",
                            change.ordinal(),
                            change.tookNanos() / 1e6,
                            change.ownGcMillis(),
                            change.ownJitMillis(),
                            logged
                                    ? String.format(
                                            Locale.ROOT,
                                            "%d GC pause%s, %.1f ms, %d JIT compilations",
                                            count,
                                            count == 1 ? "" : "s",
                                            paused,
                                            between(compilations, from, to))
                                    : "no log");
                })
                .collect(Collectors.joining("; "));
        final String own = String.format(
                Locale.ROOT,
                ". The watchers' process collected %d times (%d ms) during the %d timed changes",
                ownCollections,
                ownGcMillisOfTimed,
                ordinal);
        if (!logged) {
            return changes + own;
        }
        return changes
                + own
                + String.format(
                        Locale.ROOT,
                        "; the watched registry made %,d JIT compilations during the %d warm-up changes and %,d during "
                                + "the timed ones, and paused %d times for its collector during these (%.1f ms)",
                        between(compilations, warmupFromMillis, timedFromMillis),
                        warmupChanges,
                        between(compilations, timedFromMillis, timedToMillis),
                        pauses.stream()
                                .filter(p -> p[0] >= timedFromMillis && p[0] <= timedToMillis)
                                .count(),
                        pauses.stream()
                                        .filter(p -> p[0] >= timedFromMillis && p[0] <= timedToMillis)
                                        .mapToLong(p -> p[1])
                                        .sum()
                                / 1000.0);
    }

    private static long between(List<Long> times, long from, long to) {
        return times.stream().filter(t -> t >= from && t <= to).count();
    }

    /** Reads a log written with {@link #logFlag}; false when there is none. */
    private static boolean read(Path log, List<long[]> pauses, List<Long> compilations) {
        final List<String> lines;
        try {
            if (!Files.exists(log)) {
                return false;
            }
            lines = Files.readAllLines(log);
        } catch (IOException e) {
            return false;
        }
        for (String line : lines) {
            final Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            final long at;
            try {
                at = OffsetDateTime.parse(m.group(1), LOG_TIME).toInstant().toEpochMilli();
            } catch (DateTimeParseException e) {
                continue; // a line of another shape
            }
            final String rest = m.group(2);
            final Matcher pause = PAUSE.matcher(rest);
            if (pause.find()) {
                pauses.add(new long[] {at, Math.round(Double.parseDouble(pause.group(1)) * 1000)});
            } else if (COMPILATION.matcher(rest).find()) {
                compilations.add(at);
            }
        }
        return true;
    }

    private static long ownGcMillis() {
        long millis = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            millis += Math.max(0, gc.getCollectionTime());
        }
        return millis;
    }

    private static long ownCollections() {
        long count = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, gc.getCollectionCount());
        }
        return count;
    }

    private long ownJitMillis() {
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }
}
