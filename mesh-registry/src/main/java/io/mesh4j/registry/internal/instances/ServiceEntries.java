package io.mesh4j.registry.internal.instances;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.ServiceSummary;
import io.mesh4j.registry.internal.store.ServiceState;

/**
 * Every service's entry by name, made by the service's first change; a service nobody registered has none and
 * reads as {@link ServiceState#UNKNOWN}.
 */
final class ServiceEntries {

    private final Map<ServiceName, ServiceEntry> entries = new ConcurrentHashMap<>();

    ServiceEntry entry(ServiceName service) {
        return entries.computeIfAbsent(service, name -> new ServiceEntry());
    }

    ServiceState state(ServiceName service) {
        final @Nullable ServiceEntry entry = entries.get(service);
        return entry == null ? ServiceState.UNKNOWN : entry.state();
    }

    /** The service's snapshot now; {@link ServiceSnapshot#UNKNOWN} for a service nobody registered. */
    ServiceSnapshot snapshot(ServiceName service) {
        final @Nullable ServiceEntry entry = entries.get(service);
        return entry == null ? ServiceSnapshot.UNKNOWN : entry.snapshot();
    }

    /** Publishes the service's new state; returns the watches it woke, for the caller to complete. */
    List<CompletableFuture<Void>> publish(ServiceName service, ServiceState state) {
        return entry(service).publish(state);
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

    int waitingCount() {
        return entries.values().stream().mapToInt(ServiceEntry::waitingCount).sum();
    }

    void wakeAll() {
        entries.values().forEach(ServiceEntry::wakeAll);
    }
}
