package io.mesh4j.registry.internal.instances;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import org.jspecify.annotations.Nullable;

/**
 * One held watch's wait for its service to change: completed by the change that wakes it, or by the end of its
 * wait. It knows the thread its answer is written on (the watch request's event loop), so that the thread that
 * publishes a change (the writer, or a replica's etcd feed) wakes a thousand watches with one task per event loop,
 * not one task per watch: completing a watch then runs its answer's steps on that loop, in parallel with the other
 * loops, instead of one after the other on the publishing thread.
 */
final class HeldChange extends CompletableFuture<Void> {

    private final @Nullable Executor wakeOn;

    /** @param wakeOn where the wake-up completes this; {@code null} to complete it on the publishing thread */
    HeldChange(@Nullable Executor wakeOn) {
        this.wakeOn = wakeOn;
    }

    /**
     * Completes every one of {@code woken}: each group with the same event loop in one task on that loop, those
     * without one here. A loop that no longer takes tasks (the server is stopping) has its group completed here.
     */
    static void wake(List<HeldChange> woken) {
        if (woken.isEmpty()) {
            return;
        }
        final Map<Executor, List<HeldChange>> byLoop = new IdentityHashMap<>();
        for (HeldChange change : woken) {
            final @Nullable Executor wakeOn = change.wakeOn;
            if (wakeOn == null) {
                change.complete(null);
            } else {
                byLoop.computeIfAbsent(wakeOn, unused -> new ArrayList<>()).add(change);
            }
        }
        byLoop.forEach((loop, changes) -> {
            final Runnable completeAll = () -> changes.forEach(change -> change.complete(null));
            try {
                loop.execute(completeAll);
            } catch (RejectedExecutionException e) {
                completeAll.run();
            }
        });
    }
}
