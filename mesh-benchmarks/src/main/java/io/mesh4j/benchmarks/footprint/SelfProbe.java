package io.mesh4j.benchmarks.footprint;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.ThreadMXBean;

/**
 * What a footprint child measures about itself over a load window, which only the JVM itself can see: the bytes
 * its threads allocated, and the most heap that was in use, which is what the heap reaches just before a
 * collection frees it. Both kinds of child install it alike, so its own few classes and its listener count on both
 * sides.
 *
 * <p>Allocation is the sum of every live thread's allocated bytes ({@code ThreadMXBean}), read at the start and
 * the end of the window: a thread that ends inside the window takes its bytes with it, which undercounts a little.
 * The peak is the largest heap use before any collection in the window, or the use at its end if larger, from
 * the collector's notifications, so a peak between two readings is not missed.
 */
final class SelfProbe {

    private final ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    private final AtomicLong peakHeap = new AtomicLong();
    private final AtomicLong collections = new AtomicLong();
    private final Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(pool -> pool.getType() == MemoryType.HEAP)
            .map(MemoryPoolMXBean::getName)
            .collect(Collectors.toSet());
    private long allocatedAtStart;

    private SelfProbe() {}

    /** A probe listening to this JVM's collectors from now on. */
    static SelfProbe install() {
        final SelfProbe probe = new SelfProbe();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc)
                    .addNotificationListener(
                            (notification, handback) -> {
                                if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
                                        notification.getType())) {
                                    probe.collected(GarbageCollectionNotificationInfo.from(
                                            (CompositeData) notification.getUserData()));
                                }
                            },
                            null,
                            null);
        }
        probe.startWindow();
        return probe;
    }

    private void collected(GarbageCollectionNotificationInfo info) {
        // The map holds every memory pool, metaspace and code cache too; only the heap's count.
        long heapBefore = 0;
        for (Map.Entry<String, MemoryUsage> pool :
                info.getGcInfo().getMemoryUsageBeforeGc().entrySet()) {
            if (heapPools.contains(pool.getKey())) {
                heapBefore += pool.getValue().getUsed();
            }
        }
        peakHeap.accumulateAndGet(heapBefore, Math::max);
        collections.incrementAndGet();
    }

    /** Starts a new window: what follows counts from now. */
    synchronized void startWindow() {
        peakHeap.set(heapUsed());
        collections.set(0);
        allocatedAtStart = allocatedByLiveThreads();
    }

    /** What the window measured so far, as {@code allocated=BYTES peakHeap=BYTES gcs=N}. */
    synchronized String window() {
        final long allocated = allocatedByLiveThreads() - allocatedAtStart;
        final long peak = Math.max(peakHeap.get(), heapUsed());
        return String.format(Locale.ROOT, "allocated=%d peakHeap=%d gcs=%d", allocated, peak, collections.get());
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private long allocatedByLiveThreads() {
        long sum = 0;
        for (long bytes : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            // -1 for a thread that ended between the two calls.
            sum += Math.max(0, bytes);
        }
        return sum;
    }
}
