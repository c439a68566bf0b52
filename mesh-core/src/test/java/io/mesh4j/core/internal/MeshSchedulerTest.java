package io.mesh4j.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/**
 * The mesh's timers (renewals, reports, tap flushes) run on one thread however many there are and however often
 * they fire; on Armeria's blocking-task executor each firing started a thread, up to 200.
 */
class MeshSchedulerTest {

    @Test
    void manyPeriodicTasksFiringOftenAllRunOnTheOneDaemonThread() {
        final Set<Thread> ranOn = ConcurrentHashMap.newKeySet();
        final List<AtomicInteger> runs = new ArrayList<>();
        final List<ScheduledFuture<?>> tasks = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            final AtomicInteger count = new AtomicInteger();
            runs.add(count);
            tasks.add(MeshScheduler.get()
                    .scheduleWithFixedDelay(
                            () -> {
                                ranOn.add(Thread.currentThread());
                                count.incrementAndGet();
                            },
                            0,
                            2,
                            TimeUnit.MILLISECONDS));
        }
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> runs.stream().allMatch(count -> count.get() >= 20));
        } finally {
            tasks.forEach(task -> task.cancel(false));
        }

        assertThat(ranOn).singleElement().satisfies(thread -> {
            assertThat(thread.getName()).startsWith("mesh4j-scheduler");
            assertThat(thread.isDaemon()).isTrue();
        });
    }
}
