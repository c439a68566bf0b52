package io.mesh4j.benchmarks.report;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * What a long run is doing, one line per step on standard error, with the time so far and an estimate of the time
 * left; the tables go to standard output, so that {@code > results.md} keeps only them.
 */
public final class Progress {

    private final String benchmark;
    private final PrintStream out;
    private final long start = System.nanoTime();
    private final double totalSteps;
    private long doneSteps;

    /**
     * @param totalSteps how many steps the run will take, for the estimate; 0 when unknown
     */
    public Progress(String benchmark, PrintStream out, double totalSteps) {
        this.benchmark = benchmark;
        this.out = out;
        this.totalSteps = totalSteps;
    }

    public static Progress toStderr(String benchmark, double totalSteps) {
        return new Progress(benchmark, System.err, totalSteps);
    }

    /** Says what starts now, without counting a step. */
    public void say(String message) {
        out.printf(Locale.ROOT, "[%s %s] %s%n", benchmark, elapsed(), message);
        out.flush();
    }

    /** Counts one step done and says what it found. */
    public void step(String message) {
        doneSteps++;
        final String left = totalSteps > 0 && doneSteps < totalSteps
                ? ", ~"
                        + format(Duration.ofNanos(
                                (long) ((System.nanoTime() - start) * (totalSteps - doneSteps) / doneSteps)))
                        + " left"
                : "";
        out.printf(Locale.ROOT, "[%s %s] %s (%d/%.0f%s)%n", benchmark, elapsed(), message, doneSteps, totalSteps, left);
        out.flush();
    }

    private String elapsed() {
        return format(Duration.ofNanos(System.nanoTime() - start));
    }

    private static String format(Duration duration) {
        return String.format(Locale.ROOT, "%d:%02d", duration.toMinutes(), duration.toSecondsPart());
    }
}
