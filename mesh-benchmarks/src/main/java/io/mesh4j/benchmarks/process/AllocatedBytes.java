package io.mesh4j.benchmarks.process;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.regex.Pattern;

import com.sun.management.ThreadMXBean;

/**
 * The bytes this JVM's threads have allocated so far, summed over every live thread
 * ({@link ThreadMXBean#getThreadAllocatedBytes(long[])}), and the one-line command by which a benchmark asks a child
 * JVM for it. HotSpot counts these bytes exactly, per thread, as it hands out memory (TLAB refills and allocations
 * outside them), so the difference of two readings over a phase, divided by the phase's requests, is what each
 * request allocated, and reading it costs nothing while the phase runs (a JFR allocation sample is an estimate
 * from a few hundred samples a second). A thread that ends between two readings takes its bytes with it; the
 * per-hop processes do their work on long-lived event loops and on the load generator's own thread, so that loses
 * little, and it loses the same on every path.
 */
public final class AllocatedBytes {

    /** What a parent sends to ask a child for {@link #total()}. */
    public static final String COMMAND = "allocated";

    /** The child's answer to {@link #COMMAND}: {@code allocated bytes=123456}. */
    public static final Pattern ANSWER = Pattern.compile("^allocated bytes=(\\d+)$");

    /** The bytes every live thread of this JVM has allocated since it started. */
    public static long total() {
        final ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long bytes : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            // -1 for a thread that ended after it was listed.
            sum += Math.max(0, bytes);
        }
        return sum;
    }

    /** The line a child answers {@link #COMMAND} with. */
    public static String answer() {
        return "allocated bytes=" + total();
    }

    /** Asks {@code child} for its {@link #total()}. */
    public static long of(ChildProcess child) {
        return Long.parseLong(child.ask(COMMAND, ANSWER, Duration.ofSeconds(30)).group(1));
    }

    private AllocatedBytes() {}
}
