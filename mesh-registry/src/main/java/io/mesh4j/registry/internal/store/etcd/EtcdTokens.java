package io.mesh4j.registry.internal.store.etcd;

import static io.mesh4j.registry.internal.store.etcd.EtcdConnection.key;
import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.mesh4j.registry.internal.tokens.JoinToken;
import io.mesh4j.registry.internal.tokens.JoinTokens;

/**
 * The join tokens in etcd, {@code mesh4j/tokens/<id>}, each the JSON a registry keeps of it (the secret's SHA-256,
 * never the secret). A use or a revocation is an etcd transaction that writes only if the stored token is still
 * the one read, so that a token's last use is spent once across every replica.
 */
public final class EtcdTokens implements JoinTokens.Book {

    private static final String PREFIX = "tokens/";

    private final EtcdConnection etcd;

    public EtcdTokens(EtcdConnection etcd) {
        this.etcd = requireNonNull(etcd, "etcd");
    }

    @Override
    public @Nullable JoinToken get(String id) {
        final GetResponse found = etcd.await(etcd.client().getKVClient().get(key(PREFIX + id)));
        return found.getKvs().isEmpty()
                ? null
                : JoinTokens.fromJson(found.getKvs().get(0).getValue().getBytes());
    }

    @Override
    public void create(JoinToken token) {
        etcd.checkReachable();
        etcd.await(etcd.client().getKVClient().put(key(PREFIX + token.id()), value(token)));
    }

    @Override
    public boolean replace(JoinToken expected, JoinToken next) {
        etcd.checkReachable();
        final ByteSequence key = key(PREFIX + expected.id());
        return etcd.await(etcd.client()
                        .getKVClient()
                        .txn()
                        .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.value(value(expected))))
                        .Then(Op.put(key, value(next), PutOption.DEFAULT))
                        .commit())
                .isSucceeded();
    }

    @Override
    public List<JoinToken> list() {
        final GetResponse all = etcd.await(etcd.client()
                .getKVClient()
                .get(key(PREFIX), GetOption.builder().isPrefix(true).build()));
        final List<JoinToken> tokens = new ArrayList<>();
        for (KeyValue kv : all.getKvs()) {
            tokens.add(JoinTokens.fromJson(kv.getValue().getBytes()));
        }
        return tokens;
    }

    private static ByteSequence value(JoinToken token) {
        return ByteSequence.from(JoinTokens.toJson(token));
    }
}
