package io.mesh4j.registry.internal.store;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;

/**
 * Where the registry keeps its changes so that a restart, or a {@code kill -9}, loses nothing it acknowledged.
 *
 * <p>The registry calls {@link #load()} once when it starts and then {@link #append(List)} from one thread, in
 * index order. The default is {@link FileRegistryStore}; a replicated store (etcd, say) implements the same two
 * calls.
 */
public interface RegistryStore extends Closeable {

    /** What the store holds now. */
    StoredRegistry load() throws IOException;

    /**
     * Makes the changes durable, in order, and returns only once they would survive a crash of the process or of
     * the machine. The changes carry increasing indexes, each past the last one stored.
     *
     * @throws IOException if they may not be durable; the registry then refuses further changes
     */
    void append(List<Change> changes) throws IOException;

    /** Releases the store (its files, its lock); changes already appended stay. */
    @Override
    void close() throws IOException;
}
