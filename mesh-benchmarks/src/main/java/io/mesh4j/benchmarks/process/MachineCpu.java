package io.mesh4j.benchmarks.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How busy the whole machine was between two readings of {@code /proc/stat}: with every process of a benchmark on
 * one small machine, a phase that ran at 100 % is bound by the machine, not by any one process.
 */
public final class MachineCpu {

    private final long busy;
    private final long total;

    private MachineCpu(long busy, long total) {
        this.busy = busy;
        this.total = total;
    }

    /** The machine's CPU counters now. */
    public static MachineCpu now() {
        final String first;
        try {
            first = Files.readAllLines(Path.of("/proc/stat")).get(0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/stat", e);
        }
        // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"
        final String[] fields = first.trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < Math.min(fields.length, 9); i++) {
            total += Long.parseLong(fields[i]);
        }
        final long idle = Long.parseLong(fields[4]) + Long.parseLong(fields[5]);
        return new MachineCpu(total - idle, total);
    }

    /** The share of all cores that was busy since {@code earlier}, 0 to 1. */
    public double busySince(MachineCpu earlier) {
        final long elapsed = total - earlier.total;
        return elapsed <= 0 ? 0 : (double) (busy - earlier.busy) / elapsed;
    }
}
