package io.mesh4j.registry.internal.documents;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.registry.internal.ca.OwnerOnlyFiles;

/**
 * One kind of per-service document (access policies, route configs), one file per service, each written whole and
 * fsync'd before a change is answered. A removed document leaves its index behind, so that indexes never go back
 * and a watcher learns of the removal.
 *
 * <p>Watches work as the instances' do: a watch answers at once when the service's index differs from the
 * caller's, else at the next change or the end of its wait.
 *
 * <p>Opened {@link #shared shared} (registry replicas over etcd), the documents live in a {@link SharedDocuments}
 * instead of files: it gives the indexes, checks a write's expected index across replicas, and feeds every
 * replica's store with every change, so that watches on any replica hear a write made through another.
 *
 * <p>A change may belong to every service's answer at once (the mesh-wide default policy): {@link
 * #changeEveryService} gives it the next index, and every service's index is then at least that one, so that every
 * watch wakes and answers it.
 *
 * @param <T> the document, such as {@code AccessPolicy}
 */
public final class DocumentStore<T> {

    /** A document and the index of its last change; a null document means the service has none. */
    public record Versioned<T>(long index, @Nullable T document) {}

    /** How a kind of document is written to its file and read back. */
    public interface Codec<T> {
        byte[] write(Versioned<T> versioned);

        Versioned<T> read(byte[] file);
    }

    /** The expected index of a write that replaces whatever is in force. */
    public static final long ANY_INDEX = -1;

    /** Where held watches are woken; each wake-up only hands the watch to its event loop. */
    private static final Executor WAKEUPS = ForkJoinPool.commonPool();

    private final Path dir;
    private final Codec<T> codec;
    private @Nullable SharedDocuments shared;
    private final Map<ServiceName, Versioned<T>> documents = new ConcurrentHashMap<>();
    private final Map<ServiceName, List<CompletableFuture<Void>>> watchers = new ConcurrentHashMap<>();
    private long lastIndex;
    /** The index of the last change that belongs to every service; 0 for none. */
    private volatile long everyServiceIndex;

    private DocumentStore(Path dir, Codec<T> codec) {
        this.dir = dir;
        this.codec = codec;
    }

    public static <T> DocumentStore<T> open(Path dir, Codec<T> codec) throws IOException {
        return open(dir, codec, 0);
    }

    /**
     * Opens the store whose last change that belongs to every service (kept elsewhere) had {@code
     * everyServiceIndex}.
     */
    public static <T> DocumentStore<T> open(Path dir, Codec<T> codec, long everyServiceIndex) throws IOException {
        final DocumentStore<T> store = new DocumentStore<>(
                OwnerOnlyFiles.directory(requireNonNull(dir, "dir")), requireNonNull(codec, "codec"));
        store.everyServiceIndex = everyServiceIndex;
        store.lastIndex = everyServiceIndex;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path file : files) {
                final String name = file.getFileName().toString();
                final Versioned<T> versioned = codec.read(Files.readAllBytes(file));
                store.documents.put(ServiceName.of(name.substring(0, name.length() - ".json".length())), versioned);
                store.lastIndex = Math.max(store.lastIndex, versioned.index());
            }
        }
        return store;
    }

    /**
     * Opens a store whose documents are shared with other registry replicas: it loads them and follows their
     * changes, and each write is checked and indexed by {@code shared}. The directory is not used.
     */
    public static <T> DocumentStore<T> shared(SharedDocuments shared, Codec<T> codec, long everyServiceIndex) {
        final DocumentStore<T> store = new DocumentStore<>(Path.of("(shared)"), requireNonNull(codec, "codec"));
        store.everyServiceIndex = everyServiceIndex;
        store.lastIndex = everyServiceIndex;
        store.shared = requireNonNull(shared, "shared");
        shared.follow(store::heard).forEach(store::heard);
        return store;
    }

    /** A change the shared store brought, this replica's own or another's; applied once, in index order. */
    private void heard(ServiceName service, SharedDocuments.Stored stored) {
        final Versioned<T> read = codec.read(stored.value());
        applied(service, new Versioned<>(stored.index(), read.document()));
    }

    private void applied(ServiceName service, Versioned<T> versioned) {
        final @Nullable List<CompletableFuture<Void>> woken;
        synchronized (this) {
            if (versioned.index() <= own(service).index()) {
                return; // heard before (a replica's own write comes back through the feed)
            }
            documents.put(service, versioned);
            lastIndex = Math.max(lastIndex, versioned.index());
            woken = watchers.remove(service);
        }
        if (woken != null) {
            WAKEUPS.execute(() -> woken.forEach(watcher -> watcher.complete(null)));
        }
    }

    /**
     * The service's document, at the index of its last change or of the last change that belongs to every service,
     * whichever is later.
     */
    public Versioned<T> get(ServiceName service) {
        final Versioned<T> own = own(service);
        final long everyService = everyServiceIndex;
        return own.index() >= everyService ? own : new Versioned<>(everyService, own.document());
    }

    private Versioned<T> own(ServiceName service) {
        return documents.getOrDefault(service, new Versioned<>(0, null));
    }

    /**
     * Makes a change that belongs to every service's answer: under the store's lock, gives it the next index,
     * has {@code write} keep it (on disk, before anyone is answered), and wakes every watch.
     *
     * @return the change's index
     */
    public long changeEveryService(LongConsumer write) {
        final List<CompletableFuture<Void>> woken = new ArrayList<>();
        final long index;
        synchronized (this) {
            index = lastIndex + 1;
            write.accept(index);
            lastIndex = index;
            everyServiceIndex = index;
            watchers.values().forEach(woken::addAll);
            watchers.clear();
        }
        WAKEUPS.execute(() -> woken.forEach(watcher -> watcher.complete(null)));
        return index;
    }

    /**
     * Applies a change of every service's answer that another store gave its index to (the mesh-wide default in
     * etcd): if {@code index} is past the last such change, runs {@code update} (which puts the change in force)
     * under the store's lock and wakes every watch; else does nothing, for a change heard twice.
     */
    public void everyServiceChangedAt(long index, Runnable update) {
        final List<CompletableFuture<Void>> woken = new ArrayList<>();
        synchronized (this) {
            if (index <= everyServiceIndex) {
                return;
            }
            update.run();
            lastIndex = Math.max(lastIndex, index);
            everyServiceIndex = index;
            watchers.values().forEach(woken::addAll);
            watchers.clear();
        }
        WAKEUPS.execute(() -> woken.forEach(watcher -> watcher.complete(null)));
    }

    /** Puts {@code document} in force for {@code service}; returns its index once it is on disk. */
    public long put(ServiceName service, T document) throws IOException {
        return put(service, document, ANY_INDEX);
    }

    /**
     * Puts {@code document} in force for {@code service} if the service's index is still {@code expectedIndex}
     * (the index of the read the document was made from; 0 for a service that never had one); returns its index
     * once it is on disk.
     *
     * @param expectedIndex the index the caller read, or {@link #ANY_INDEX} to write whatever is in force
     * @throws IndexConflictException if the service's index is another; nothing is written
     */
    public long put(ServiceName service, T document, long expectedIndex) throws IOException {
        return change(service, requireNonNull(document, "document"), expectedIndex);
    }

    /** Removes the document of {@code service}; returns the index of the removal. */
    public long delete(ServiceName service) throws IOException {
        return delete(service, ANY_INDEX);
    }

    /**
     * Removes the document of {@code service} if the service's index is still {@code expectedIndex}; returns the
     * index of the removal.
     *
     * @param expectedIndex the index the caller read, or {@link #ANY_INDEX} to remove whatever is in force
     * @throws IndexConflictException if the service's index is another; nothing is written
     */
    public long delete(ServiceName service, long expectedIndex) throws IOException {
        return change(service, null, expectedIndex);
    }

    private long change(ServiceName service, @Nullable T document, long expectedIndex) throws IOException {
        final @Nullable SharedDocuments shared = this.shared;
        if (shared != null) {
            return changeShared(shared, service, document, expectedIndex);
        }
        final List<CompletableFuture<Void>> woken;
        final long index;
        synchronized (this) {
            // Checked under the same lock as the write, so that two writers that read the same index cannot both
            // succeed: the second learns of the first instead of undoing it.
            final long inForce = get(service).index();
            // The document's own index is as good: a change of every service's answer since does not change it.
            if (expectedIndex != ANY_INDEX
                    && inForce != expectedIndex
                    && own(service).index() != expectedIndex) {
                throw new IndexConflictException(service, expectedIndex, inForce);
            }
            index = lastIndex + 1;
            final Versioned<T> versioned = new Versioned<>(index, document);
            OwnerOnlyFiles.write(dir.resolve(service.value() + ".json"), codec.write(versioned));
            lastIndex = index;
            documents.put(service, versioned);
            woken = watchers.remove(service);
        }
        if (woken != null) {
            // Woken on another thread, so that the change is answered without waiting for its watchers, however
            // many; each watch then answers from its own event loop (DocumentService).
            WAKEUPS.execute(() -> woken.forEach(watcher -> watcher.complete(null)));
        }
        return index;
    }

    /**
     * Writes through the shared store, which checks the expected index against what every replica wrote: the
     * check of the file store's lock, across processes.
     */
    private long changeShared(SharedDocuments shared, ServiceName service, @Nullable T document, long expectedIndex) {
        long expectedOwn = expectedIndex;
        if (expectedIndex != ANY_INDEX && expectedIndex == get(service).index()) {
            // Read at the index of a change of every service's answer: the document's own index is what is stored.
            expectedOwn = own(service).index();
        }
        final SharedDocuments.Written written =
                shared.write(service, codec.write(new Versioned<>(0, document)), expectedOwn);
        if (!written.written()) {
            throw new IndexConflictException(service, expectedIndex, written.index());
        }
        applied(service, new Versioned<>(written.index(), document));
        return written.index();
    }

    /**
     * Answers at once if the service's index differs from {@code index}, else at its next change or after
     * {@code wait}. Cancelling the returned future stops the wait.
     */
    public CompletableFuture<Versioned<T>> watch(ServiceName service, long index, Duration wait) {
        final CompletableFuture<Void> change = new CompletableFuture<>();
        synchronized (this) {
            if (get(service).index() != index) {
                return CompletableFuture.completedFuture(get(service));
            }
            watchers.computeIfAbsent(service, unused -> new ArrayList<>()).add(change);
        }
        change.completeOnTimeout(null, wait.toNanos(), TimeUnit.NANOSECONDS);
        final CompletableFuture<Versioned<T>> answer = change.handle((unused, cause) -> {
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
        if (list != null && list.remove(change) && list.isEmpty()) {
            // Anyone may watch any name: a list kept after its last watch would grow the map by every name ever
            // watched (issue 16). The next watch of the name makes a new one.
            watchers.remove(service);
        }
    }

    /** The services that have a document now, in name order (a removed document's service is not one). */
    public synchronized List<ServiceName> services() {
        return documents.entrySet().stream()
                .filter(entry -> entry.getValue().document() != null)
                .map(Map.Entry::getKey)
                .sorted(Comparator.comparing(ServiceName::value))
                .toList();
    }

    /**
     * How many services this store keeps something for: a document (or the index of its removal), or a watch
     * waiting now. A read or a watch of any other name leaves nothing behind once it is answered.
     */
    public synchronized int servicesHeld() {
        final Set<ServiceName> held = new HashSet<>(documents.keySet());
        held.addAll(watchers.keySet());
        return held.size();
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
