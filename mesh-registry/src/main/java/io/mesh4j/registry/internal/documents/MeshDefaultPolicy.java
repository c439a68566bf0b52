package io.mesh4j.registry.internal.documents;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.authz.DefaultPolicy;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.PolicyJson;
import io.mesh4j.core.internal.registry.PolicyJson.DefaultSnapshot;
import io.mesh4j.registry.internal.ca.OwnerOnlyFiles;

/**
 * The mesh-wide default policy, kept in {@code <data-dir>/default-policy.json} and served inside every service's
 * access-policy answer: a change takes the policies' next index, so every member's policy watch hears it within a
 * round trip. {@code allow} until someone chooses otherwise (the behaviour of a mesh before defaults existed).
 */
public final class MeshDefaultPolicy {

    /** The file, in the data directory. */
    public static final String FILE = "default-policy.json";

    /** The name the default is kept under when replicas share it. */
    private static final ServiceName SHARED_NAME = ServiceName.of("default-policy");

    private final Path file;
    private volatile DefaultSnapshot current;
    private volatile @Nullable DocumentStore<AccessPolicy> policies;
    private final @Nullable SharedDocuments shared;

    private MeshDefaultPolicy(Path file, DefaultSnapshot current, @Nullable SharedDocuments shared) {
        this.file = file;
        this.current = current;
        this.shared = shared;
    }

    /**
     * The default of replicas that share it ({@code mesh4j/settings/default-policy} in etcd): read from there,
     * changed there, and followed there, so that a change through any replica is in force on every one, at the
     * index etcd gave it.
     */
    public static MeshDefaultPolicy shared(SharedDocuments shared) {
        requireNonNull(shared, "shared");
        final MeshDefaultPolicy[] self = new MeshDefaultPolicy[1];
        final CompletableFuture<Void> opened = new CompletableFuture<>();
        final Map<ServiceName, SharedDocuments.Stored> stored = shared.follow((name, change) -> {
            if (SHARED_NAME.equals(name)) {
                opened.join();
                self[0].heard(change);
            }
        });
        final SharedDocuments.@Nullable Stored kept = stored.get(SHARED_NAME);
        final DefaultSnapshot current = kept == null
                ? new DefaultSnapshot(0, DefaultPolicy.ALLOW)
                : new DefaultSnapshot(
                        kept.index(),
                        PolicyJson.parseDefaultSnapshot(kept.value()).defaultPolicy());
        self[0] = new MeshDefaultPolicy(Path.of("(shared)"), current, shared);
        opened.complete(null);
        return self[0];
    }

    /** A change of the shared default, this replica's own or another's. */
    private void heard(SharedDocuments.Stored change) {
        final DefaultSnapshot next = new DefaultSnapshot(
                change.index(), PolicyJson.parseDefaultSnapshot(change.value()).defaultPolicy());
        final @Nullable DocumentStore<AccessPolicy> policies = this.policies;
        if (policies == null) {
            synchronized (this) {
                if (next.index() > current.index()) {
                    current = next;
                }
            }
            return;
        }
        policies.everyServiceChangedAt(next.index(), () -> current = next);
    }

    /** Reads the default kept in {@code dataDir}, or {@code allow} at index 0 if none was ever set. */
    public static MeshDefaultPolicy open(Path dataDir) throws IOException {
        final Path file = requireNonNull(dataDir, "dataDir").resolve(FILE);
        if (!Files.exists(file)) {
            return new MeshDefaultPolicy(file, new DefaultSnapshot(0, DefaultPolicy.ALLOW), null);
        }
        try {
            return new MeshDefaultPolicy(file, PolicyJson.parseDefaultSnapshot(Files.readAllBytes(file)), null);
        } catch (RuntimeException e) {
            // Not guessed: a zero-trust mesh must not come back open because its file was damaged.
            throw new IOException(
                    file + " cannot be read (" + e.getMessage() + "); restore it, or remove it and start "
                            + "the registry with --default-policy allow|deny",
                    e);
        }
    }

    /** The index to open the policies' store with, so that its indexes go on from this default's. */
    public long index() {
        return current.index();
    }

    /** Joins the policies' store, whose answers carry this default and whose index a change takes. */
    public void servedWith(DocumentStore<AccessPolicy> policies) {
        this.policies = requireNonNull(policies, "policies");
    }

    public DefaultSnapshot current() {
        return current;
    }

    /**
     * Puts {@code defaultPolicy} in force, on disk before any watch hears it; nothing changes (no new index, no
     * watch woken) if it is already in force.
     *
     * @return what is in force
     */
    public synchronized DefaultSnapshot set(DefaultPolicy defaultPolicy) throws IOException {
        requireNonNull(defaultPolicy, "defaultPolicy");
        if (current.defaultPolicy() == defaultPolicy && current.index() > 0) {
            return current;
        }
        final DocumentStore<AccessPolicy> policies = requireNonNull(this.policies, "policies (servedWith)");
        final @Nullable SharedDocuments shared = this.shared;
        if (shared != null) {
            // Written to etcd first; in force here, and on every other replica, at the index etcd gave it.
            final SharedDocuments.Written written = shared.write(
                    SHARED_NAME,
                    PolicyJson.writeDefault(new DefaultSnapshot(0, defaultPolicy)),
                    DocumentStore.ANY_INDEX);
            final DefaultSnapshot next = new DefaultSnapshot(written.index(), defaultPolicy);
            policies.everyServiceChangedAt(next.index(), () -> current = next);
            return current;
        }
        try {
            policies.changeEveryService(index -> {
                final DefaultSnapshot next = new DefaultSnapshot(index, defaultPolicy);
                try {
                    OwnerOnlyFiles.write(file, PolicyJson.writeDefault(next));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                current = next;
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return current;
    }
}
