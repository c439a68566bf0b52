package io.mesh4j.registry.policies;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.registry.PolicyJson.PolicySnapshot;
import io.mesh4j.core.registry.PolicyJson;
import io.mesh4j.registry.ca.OwnerOnlyFiles;

/**
 * The access policies, one file per service in {@code <data-dir>/policies}, each written whole and fsync'd before
 * a change is answered. A removed policy leaves its index behind, so that indexes never go back and a watcher
 * learns of the removal.
 *
 * <p>Watches work as the instances' do: a watch answers at once when the service's index differs from the
 * caller's, else at the next change or the end of its wait.
 */
public final class PolicyStore {

    private final Path dir;
    private final Map<ServiceName, PolicySnapshot> policies = new ConcurrentHashMap<>();
    private final Map<ServiceName, List<CompletableFuture<Void>>> watchers = new ConcurrentHashMap<>();
    private long lastIndex;

    private PolicyStore(Path dir) {
        this.dir = dir;
    }

    public static PolicyStore open(Path dir) throws IOException {
        final PolicyStore store = new PolicyStore(OwnerOnlyFiles.directory(requireNonNull(dir, "dir")));
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path file : files) {
                final String name = file.getFileName().toString();
                final PolicySnapshot snapshot = PolicyJson.parseSnapshot(Files.readAllBytes(file));
                store.policies.put(ServiceName.of(name.substring(0, name.length() - ".json".length())), snapshot);
                store.lastIndex = Math.max(store.lastIndex, snapshot.index());
            }
        }
        return store;
    }

    public PolicySnapshot get(ServiceName service) {
        return policies.getOrDefault(service, new PolicySnapshot(0, null));
    }

    /** Puts {@code policy} in force for {@code service}; returns its index once it is on disk. */
    public long put(ServiceName service, AccessPolicy policy) throws IOException {
        return change(service, requireNonNull(policy, "policy"));
    }

    /** Removes the policy of {@code service}; returns the index of the removal. */
    public long delete(ServiceName service) throws IOException {
        return change(service, null);
    }

    private long change(ServiceName service, @Nullable AccessPolicy policy) throws IOException {
        final List<CompletableFuture<Void>> woken;
        final long index;
        synchronized (this) {
            index = lastIndex + 1;
            final PolicySnapshot snapshot = new PolicySnapshot(index, policy);
            OwnerOnlyFiles.write(dir.resolve(service.value() + ".json"), PolicyJson.writeSnapshot(snapshot));
            lastIndex = index;
            policies.put(service, snapshot);
            woken = watchers.remove(service);
        }
        if (woken != null) {
            woken.forEach(watcher -> watcher.complete(null));
        }
        return index;
    }

    /**
     * Answers at once if the service's index differs from {@code index}, else at its next change or after
     * {@code wait}. Cancelling the returned future stops the wait.
     */
    public CompletableFuture<PolicySnapshot> watch(ServiceName service, long index, Duration wait) {
        final CompletableFuture<Void> change = new CompletableFuture<>();
        synchronized (this) {
            if (get(service).index() != index) {
                return CompletableFuture.completedFuture(get(service));
            }
            watchers.computeIfAbsent(service, unused -> new ArrayList<>()).add(change);
        }
        change.completeOnTimeout(null, wait.toNanos(), TimeUnit.NANOSECONDS);
        final CompletableFuture<PolicySnapshot> answer = change.handle((unused, cause) -> {
            forget(service, change);
            return get(service);
        });
        answer.whenComplete((unused, cause) -> {
            if (answer.isCancelled()) {
                forget(service, change);
            }
        });
        return answer;
    }

    private synchronized void forget(ServiceName service, CompletableFuture<Void> change) {
        final List<CompletableFuture<Void>> list = watchers.get(service);
        if (list != null) {
            list.remove(change);
        }
    }

    /** Answers every held watch with what it has, for a registry that stops. */
    public void wakeAll() {
        final List<CompletableFuture<Void>> all = new ArrayList<>();
        synchronized (this) {
            watchers.values().forEach(all::addAll);
            watchers.clear();
        }
        all.forEach(watcher -> watcher.complete(null));
    }
}
