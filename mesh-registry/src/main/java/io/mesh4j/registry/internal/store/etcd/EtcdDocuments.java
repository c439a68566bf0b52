package io.mesh4j.registry.internal.store.etcd;

import static io.mesh4j.registry.internal.store.etcd.EtcdConnection.key;
import static io.mesh4j.registry.internal.store.etcd.EtcdConnection.text;
import static java.util.Objects.requireNonNull;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

import org.jspecify.annotations.Nullable;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Txn;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.registry.internal.documents.DocumentStore;
import io.mesh4j.registry.internal.documents.SharedDocuments;

/**
 * One kind of per-service document in etcd, {@code mesh4j/<kind>/<service>}: a document's index is the revision
 * of its key's last change, and a write that names the index it was read at is an etcd transaction on that
 * revision, so that two replicas that read the same index cannot both write (the second gets 409). A removed
 * document is a key holding "no document", never a deleted key, so that its index stays and never goes back (and
 * so that a replica that etcd compacted past reads every document again at its own index).
 */
public final class EtcdDocuments implements SharedDocuments, AutoCloseable {

    private final EtcdConnection etcd;
    private final String kind;
    private final PrefixFollower follower;

    /**
     * @param kind the key's folder, such as {@code routes} or {@code policies}
     */
    public EtcdDocuments(EtcdConnection etcd, String kind) {
        this.etcd = requireNonNull(etcd, "etcd");
        this.kind = requireNonNull(kind, "kind");
        follower = new PrefixFollower(etcd, prefix());
    }

    private String prefix() {
        return kind + '/';
    }

    @Override
    public Map<ServiceName, Stored> follow(BiConsumer<ServiceName, Stored> feed) {
        requireNonNull(feed, "feed");
        return stored(follower.start(new PrefixFollower.Handler() {
            @Override
            public void events(List<WatchEvent> events) {
                for (WatchEvent event : events) {
                    final KeyValue kv = event.getKeyValue();
                    final @Nullable ServiceName service = serviceOf(kv.getKey());
                    if (service != null && event.getEventType() == WatchEvent.EventType.PUT) {
                        feed.accept(
                                service,
                                new Stored(kv.getModRevision(), kv.getValue().getBytes()));
                    }
                }
            }

            @Override
            public void reloaded(GetResponse all) {
                // A document is never deleted (a removal is a key holding "none"), so every change lost to the
                // compaction left its key at its own revision: feeding them all again, each at its index, brings
                // this replica to etcd's state, and the feed skips what it already had.
                stored(all).forEach(feed);
            }
        }));
    }

    private Map<ServiceName, Stored> stored(GetResponse all) {
        final Map<ServiceName, Stored> stored = new HashMap<>();
        for (KeyValue kv : all.getKvs()) {
            final @Nullable ServiceName service = serviceOf(kv.getKey());
            if (service != null) {
                stored.put(
                        service, new Stored(kv.getModRevision(), kv.getValue().getBytes()));
            }
        }
        return stored;
    }

    @Override
    public Written write(ServiceName service, byte[] value, long expectedIndex) {
        etcd.checkReachable();
        final ByteSequence key = key(prefix() + service.value());
        final Txn txn = etcd.client().getKVClient().txn();
        if (expectedIndex != DocumentStore.ANY_INDEX) {
            // A key never written compares as revision 0: "0 for a service that never had one".
            txn.If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedIndex)));
        }
        final TxnResponse response = etcd.await(txn.Then(Op.put(key, ByteSequence.from(value), PutOption.DEFAULT))
                .Else(Op.get(key, GetOption.DEFAULT))
                .commit());
        if (response.isSucceeded()) {
            return new Written(true, response.getHeader().getRevision());
        }
        final GetResponse inForce = response.getGetResponses().get(0);
        return new Written(
                false, inForce.getKvs().isEmpty() ? 0 : inForce.getKvs().get(0).getModRevision());
    }

    private @Nullable ServiceName serviceOf(ByteSequence key) {
        final String full = text(key);
        final String prefix = EtcdConnection.ROOT + prefix();
        if (!full.startsWith(prefix)) {
            return null;
        }
        try {
            return ServiceName.of(full.substring(prefix.length()));
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public void close() {
        follower.close();
    }
}
