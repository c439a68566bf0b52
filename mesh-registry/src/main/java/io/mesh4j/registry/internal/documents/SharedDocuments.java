package io.mesh4j.registry.internal.documents;

import java.util.Map;
import java.util.function.BiConsumer;

import io.mesh4j.core.discovery.ServiceName;

/**
 * Where one kind of document lives when registry replicas share it (etcd): the store gives the indexes and checks
 * a write's expected index itself, so that two replicas that read the same index cannot both write.
 */
public interface SharedDocuments {

    /** A service's document as stored: its index and the codec's bytes (whose own index is ignored). */
    record Stored(long index, byte[] value) {}

    /** A write's outcome: written at {@code index}, or refused because the service is at {@code index}. */
    record Written(boolean written, long index) {}

    /**
     * Reads every stored document, then calls {@code feed} with every later change, in index order, on one thread.
     */
    Map<ServiceName, Stored> follow(BiConsumer<ServiceName, Stored> feed);

    /**
     * Writes {@code value} for {@code service} if the service's stored index is {@code expectedIndex} (0 for one
     * never written), or whatever it is with {@link DocumentStore#ANY_INDEX}.
     */
    Written write(ServiceName service, byte[] value, long expectedIndex);
}
