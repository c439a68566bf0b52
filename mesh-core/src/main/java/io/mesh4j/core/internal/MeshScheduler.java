package io.mesh4j.core.internal;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

import com.linecorp.armeria.common.util.ThreadFactories;

/**
 * The one thread on which mesh4j's own timers run in a process: certificate requests and renewals, the golden-metric
 * reports and the tap's flushes. Their tasks are short (they start asynchronous calls to the registry), so one
 * thread serves every identity, client and server of the process.
 *
 * <p>Not Armeria's {@code CommonPools.blockingTaskExecutor()}: that is a {@link ScheduledThreadPoolExecutor} with
 * 200 core threads, and such an executor starts a new thread at every scheduling (every run of a periodic task too)
 * until it has all its core threads, whether or not one is idle. A tap flush every 250 ms alone grew a mesh process
 * by 60 threads in half a minute, and to 200 in a minute, each with its stack.
 */
public final class MeshScheduler {

    /** Made at the first use, so that a process that never schedules anything has no such thread. */
    private static final class Holder {
        static final ScheduledExecutorService INSTANCE = newScheduler();
    }

    /**
     * The process's mesh scheduler: one daemon thread, {@code mesh4j-scheduler}, that never stops. Its tasks must
     * not block; hand what blocks (files, say) to an executor for blocking work.
     */
    public static ScheduledExecutorService get() {
        return Holder.INSTANCE;
    }

    private static ScheduledExecutorService newScheduler() {
        // A daemon: timers must not keep a process alive that has stopped its servers.
        final ScheduledThreadPoolExecutor scheduler =
                new ScheduledThreadPoolExecutor(1, ThreadFactories.newThreadFactory("mesh4j-scheduler", true));
        // A cancelled renewal or report leaves the queue at once, not when it would have been due.
        scheduler.setRemoveOnCancelPolicy(true);
        return scheduler;
    }

    private MeshScheduler() {}
}
