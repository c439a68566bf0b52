package io.mesh4j.registry.internal.store.etcd;

import static io.mesh4j.registry.internal.store.etcd.EtcdConnection.key;
import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.mesh4j.registry.internal.tokens.ViewerTokens;

/**
 * The viewer tokens in etcd, {@code mesh4j/viewer-tokens/<id>}, each the JSON a registry keeps of it (the secret's
 * SHA-256, never the secret). Every check reads etcd, so that a token made or revoked on one replica is in force, or
 * not, on all of them at once.
 */
public final class EtcdViewerTokens implements ViewerTokens.Book {

    private static final String PREFIX = "viewer-tokens/";

    private final EtcdConnection etcd;

    public EtcdViewerTokens(EtcdConnection etcd) {
        this.etcd = requireNonNull(etcd, "etcd");
    }

    @Override
    public ViewerTokens.@Nullable Entry get(String id) {
        final GetResponse found = etcd.await(etcd.client().getKVClient().get(key(PREFIX + id)));
        return found.getKvs().isEmpty()
                ? null
                : ViewerTokens.fromJson(found.getKvs().get(0).getValue().getBytes());
    }

    @Override
    public void put(ViewerTokens.Entry entry) {
        etcd.checkReachable();
        etcd.await(etcd.client()
                .getKVClient()
                .put(key(PREFIX + entry.id()), ByteSequence.from(ViewerTokens.toJson(entry))));
    }

    @Override
    public List<ViewerTokens.Entry> list() {
        final GetResponse all = etcd.await(etcd.client()
                .getKVClient()
                .get(key(PREFIX), GetOption.builder().isPrefix(true).build()));
        final List<ViewerTokens.Entry> entries = new ArrayList<>();
        for (KeyValue kv : all.getKvs()) {
            entries.add(ViewerTokens.fromJson(kv.getValue().getBytes()));
        }
        return entries;
    }
}
