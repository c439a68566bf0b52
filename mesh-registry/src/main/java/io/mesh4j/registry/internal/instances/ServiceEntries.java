package io.mesh4j.registry.internal.instances;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.ServiceSummary;
import io.mesh4j.registry.internal.store.ServiceState;

/**
 * Every service's entry by name, made by the service's first change; a service nobody registered has none and
 * reads as {@link ServiceState#UNKNOWN}.
 *
 * <p>A watch of a service nobody registered needs an entry to wait in, so that the service's first registration
 * wakes it; that entry lives only as long as a watch waits in it. Anyone may watch any name, so an entry kept
 * after its last watch ended would let callers grow this map without end (issue 16: 3,000 names a second from
 * one connection). Making, waiting in, forgetting and publishing all happen inside the map's {@code compute} for
 * the name, so an entry is never dropped between a watch's registration and the publish that must wake it.
 */
final class ServiceEntries {

    private final Map<ServiceName, ServiceEntry> entries = new ConcurrentHashMap<>();

    ServiceState state(ServiceName service) {
        final @Nullable ServiceEntry entry = entries.get(service);
        return entry == null ? ServiceState.UNKNOWN : entry.state();
    }

    /** The service's snapshot now; {@link ServiceSnapshot#UNKNOWN} for a service nobody registered. */
    ServiceSnapshot snapshot(ServiceName service) {
        final @Nullable ServiceEntry entry = entries.get(service);
        return entry == null ? ServiceSnapshot.UNKNOWN : entry.snapshot();
    }

    /**
     * Returns a future that completes when the service's index moves off {@code index}, or {@code null} if it
     * already differs; the change completes it on {@code wakeOn}. The service's entry is made if it has none, and
     * kept while the watch waits.
     */
    @Nullable
    HeldChange awaitChangeFrom(ServiceName service, long index, @Nullable Executor wakeOn) {
        final @Nullable ServiceEntry existing = entries.get(service);
        if (existing != null && existing.published()) {
            // A service that had an instance keeps its entry for good: no need to lock the map's bin for it.
            return existing.awaitChangeFrom(index, wakeOn);
        }
        final List<HeldChange> held = new ArrayList<>(1);
        entries.compute(service, (name, entry) -> {
            final ServiceEntry waitIn = entry != null ? entry : new ServiceEntry();
            final @Nullable HeldChange change = waitIn.awaitChangeFrom(index, wakeOn);
            if (change == null) {
                // Answered at once: an entry made for this call alone is not kept.
                return entry;
            }
            held.add(change);
            return waitIn;
        });
        return held.isEmpty() ? null : held.get(0);
    }

    /**
     * Forgets a watch that ended without a change (its wait ran out, or its caller left), and the service's entry
     * with it if the entry holds nothing else: no state, no other watch.
     */
    void forget(ServiceName service, HeldChange change) {
        final @Nullable ServiceEntry existing = entries.get(service);
        if (existing != null && existing.published()) {
            existing.forget(change);
            return;
        }
        entries.computeIfPresent(service, (name, entry) -> entry.forget(change) ? null : entry);
    }

    /** Publishes the service's new state; returns the watches it woke, for the caller to complete. */
    List<HeldChange> publish(ServiceName service, ServiceState state) {
        final List<HeldChange> woken = new ArrayList<>();
        entries.compute(service, (name, entry) -> {
            final ServiceEntry published = entry != null ? entry : new ServiceEntry();
            woken.addAll(published.publish(state));
            return published;
        });
        return woken;
    }

    /** Every service with at least one instance, sorted by name. */
    List<ServiceSummary> summaries() {
        final List<ServiceSummary> summaries = new ArrayList<>();
        entries.forEach((name, entry) -> {
            final ServiceState state = entry.state();
            if (!state.instances().isEmpty()) {
                summaries.add(new ServiceSummary(name, state.instances().size(), state.index()));
            }
        });
        summaries.sort(Comparator.comparing(ServiceSummary::name));
        return summaries;
    }

    /** The services with an entry now: every one that ever had an instance, and those being watched. */
    Set<ServiceName> names() {
        return Set.copyOf(entries.keySet());
    }

    /** How many services have an entry: every service that ever had an instance, and those being watched. */
    int size() {
        return entries.size();
    }

    int waitingCount() {
        return entries.values().stream().mapToInt(ServiceEntry::waitingCount).sum();
    }

    void wakeAll() {
        entries.values().forEach(ServiceEntry::wakeAll);
    }
}
