package io.mesh4j.registry.internal.instances;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;

import org.jspecify.annotations.Nullable;

import io.mesh4j.registry.internal.store.ServiceState;

/**
 * One service's committed state and the watches waiting for it to change.
 *
 * <p>Publishing a state and registering a watch take the same lock, so a watch sees either the state before a
 * change (and is woken by it) or the state after it (and answers at once), never neither. Watches are futures
 * completed on change: they hold no thread while they wait.
 */
final class ServiceEntry {

    private ServiceSnapshot snapshot = ServiceSnapshot.UNKNOWN;
    private final Set<HeldChange> waiting = new HashSet<>();

    synchronized ServiceState state() {
        return snapshot.state();
    }

    synchronized ServiceSnapshot snapshot() {
        return snapshot;
    }

    /** Whether a state was ever published to this entry: its service had an instance, and keeps its index. */
    synchronized boolean published() {
        // UNKNOWN is replaced by the first publish for good: an entry that still has it was only watched.
        return snapshot != ServiceSnapshot.UNKNOWN;
    }

    /**
     * Returns a future that completes when the service's index moves off {@code index}, or {@code null} if it
     * already differs; the change that completes it does so on {@code wakeOn} ({@link HeldChange}).
     */
    synchronized @Nullable HeldChange awaitChangeFrom(long index, @Nullable Executor wakeOn) {
        if (snapshot.index() != index) {
            return null;
        }
        final HeldChange change = new HeldChange(wakeOn);
        waiting.add(change);
        return change;
    }

    synchronized int waitingCount() {
        return waiting.size();
    }

    /**
     * Forgets a watch that ended without a change (its wait ran out, or its caller left).
     *
     * @return whether the entry now holds nothing: no watch waits in it, and no state was ever published to it
     *     (the service never had an instance), so that dropping it loses nothing
     */
    synchronized boolean forget(HeldChange change) {
        waiting.remove(change);
        return waiting.isEmpty() && !published();
    }

    /**
     * Makes {@code next} the state every read sees from now on, and returns the watches it woke, for the caller to
     * complete: the writer completes them only after it has answered the changes, so that answering the watches
     * never delays the answer to the change itself.
     */
    List<HeldChange> publish(ServiceState next) {
        synchronized (this) {
            snapshot = snapshot.next(next);
            return takeWaiting();
        }
    }

    /** Wakes every watch without a change, so that they answer now; used when the registry stops. */
    void wakeAll() {
        final List<HeldChange> woken;
        synchronized (this) {
            woken = takeWaiting();
        }
        HeldChange.wake(woken);
    }

    private List<HeldChange> takeWaiting() {
        final List<HeldChange> taken = new ArrayList<>(waiting);
        waiting.clear();
        return taken;
    }
}
