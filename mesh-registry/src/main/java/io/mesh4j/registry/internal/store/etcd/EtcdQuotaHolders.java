package io.mesh4j.registry.internal.store.etcd;

import static io.mesh4j.registry.internal.store.etcd.EtcdConnection.bytes;
import static io.mesh4j.registry.internal.store.etcd.EtcdConnection.key;
import static io.mesh4j.registry.internal.store.etcd.EtcdConnection.text;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.QuotaJson;
import io.mesh4j.core.routing.QuotaSpec;
import io.mesh4j.registry.internal.quota.QuotaHolders;

/**
 * The holders of the quotas in etcd, shared by every replica, so that a quota is divided among all its holders
 * whichever replica each one asks. A holder is a key {@code mesh4j/quotas/<service>/<quota>/<instance>} holding its
 * demand, bound to an etcd lease with the quota lease's time: a holder that stops renewing is deleted by etcd
 * itself, once, whichever replica it last asked. A lease call writes the holder, then reads every holder of the
 * quota: the read is linearizable, so it sees every holder written before, through any replica, and the share
 * answered is the holder's part of a division over all of them. The refusals holders report are counted in
 * {@code mesh4j/quota-refusals/<service>/<quota>}, added to with a transaction on the count read.
 */
public final class EtcdQuotaHolders implements QuotaHolders {

    private static final String HOLDERS = "quotas/";
    private static final String REFUSALS = "quota-refusals/";
    private static final int REFUSAL_TRIES = 10;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final EtcdConnection etcd;
    private final Clock clock;

    public EtcdQuotaHolders(EtcdConnection etcd, Clock clock) {
        this.etcd = requireNonNull(etcd, "etcd");
        this.clock = requireNonNull(clock, "clock");
    }

    @Override
    public List<Holder> hold(
            ServiceName service,
            String quota,
            InstanceId instance,
            double demand,
            long refused,
            long expiresAtMillis,
            @Nullable QuotaSpec declared) {
        etcd.checkReachable();
        final long ttlSeconds = Math.max(1, (expiresAtMillis - clock.millis() + 999) / 1000);
        final long lease =
                etcd.await(etcd.client().getLeaseClient().grant(ttlSeconds)).getID();
        final PutResponse put = etcd.await(etcd.client()
                .getKVClient()
                .put(
                        key(HOLDERS + service.value() + '/' + quota + '/' + instance.value()),
                        value(demand, expiresAtMillis, declared),
                        PutOption.builder().withLeaseId(lease).withPrevKV().build()));
        if (put.hasPrevKv() && put.getPrevKv().getLease() != 0) {
            // The key moved to the new lease: the old one holds nothing now, and need not wait out its time.
            etcd.client().getLeaseClient().revoke(put.getPrevKv().getLease()).exceptionally(ignored -> null);
        }
        if (refused > 0) {
            addRefusals(service, quota, refused);
        }
        final List<Holder> holders = new ArrayList<>();
        for (KeyValue kv : prefix(HOLDERS + service.value() + '/' + quota + '/').getKvs()) {
            final @Nullable Name name = Name.of(kv.getKey());
            if (name != null) {
                holders.add(holder(name, kv));
            }
        }
        return holders;
    }

    private void addRefusals(ServiceName service, String quota, long refused) {
        final ByteSequence key = key(REFUSALS + service.value() + '/' + quota);
        for (int i = 0; i < REFUSAL_TRIES; i++) {
            final GetResponse read = etcd.await(etcd.client().getKVClient().get(key));
            final long count = read.getKvs().isEmpty() ? 0 : count(read.getKvs().get(0));
            final long revision =
                    read.getKvs().isEmpty() ? 0 : read.getKvs().get(0).getModRevision();
            final boolean added = etcd.await(etcd.client()
                            .getKVClient()
                            .txn()
                            .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(revision)))
                            .Then(Op.put(key, bytes(Long.toString(count + refused)), PutOption.DEFAULT))
                            .commit())
                    .isSucceeded();
            if (added) {
                return;
            }
        }
        // Other replicas kept adding first: these few are not counted, which a count for the operator can afford.
    }

    @Override
    public void release(ServiceName service, InstanceId instance) {
        etcd.checkReachable();
        for (KeyValue kv : prefix(HOLDERS + service.value() + '/').getKvs()) {
            final @Nullable Name name = Name.of(kv.getKey());
            if (name != null && name.instance().equals(instance)) {
                etcd.await(etcd.client().getKVClient().delete(kv.getKey()));
                if (kv.getLease() != 0) {
                    etcd.client().getLeaseClient().revoke(kv.getLease()).exceptionally(ignored -> null);
                }
            }
        }
    }

    /**
     * Nothing to do: nobody renews a quota that neither the route config nor an instance's {@code @Quota} has, so
     * etcd deletes its holders within one lease time, and the operator's view shows only the quotas in force. (Its count of refusals stays: a quota
     * added again under the same name counts on from it.)
     */
    @Override
    public void retain(ServiceName service, Set<String> quotas) {}

    /** Every holder read from etcd; while etcd is known not to answer, a 503 at once rather than a wait. */
    @Override
    public List<Held> all() {
        etcd.checkReachable();
        final Map<ServiceName, Map<String, List<Holder>>> holders = new TreeMap<>();
        for (KeyValue kv : prefix(HOLDERS).getKvs()) {
            final @Nullable Name name = Name.of(kv.getKey());
            if (name != null) {
                holders.computeIfAbsent(name.service(), s -> new TreeMap<>())
                        .computeIfAbsent(name.quota(), q -> new ArrayList<>())
                        .add(holder(name, kv));
            }
        }
        final Map<ServiceName, Map<String, Long>> refusals = new TreeMap<>();
        for (KeyValue kv : prefix(REFUSALS).getKvs()) {
            final String[] parts = text(kv.getKey())
                    .substring((EtcdConnection.ROOT + REFUSALS).length())
                    .split("/", -1);
            try {
                if (parts.length == 2) {
                    refusals.computeIfAbsent(ServiceName.of(parts[0]), s -> new TreeMap<>())
                            .put(parts[1], count(kv));
                }
            } catch (RuntimeException e) {
                // not a key the registry writes
            }
        }
        refusals.forEach((service, counts) -> counts.keySet()
                .forEach(quota -> holders.computeIfAbsent(service, s -> new TreeMap<>())
                        .computeIfAbsent(quota, q -> new ArrayList<>())));
        final List<Held> all = new ArrayList<>();
        holders.forEach((service, byQuota) -> byQuota.forEach((quota, list) -> all.add(new Held(
                service,
                quota,
                List.copyOf(list),
                refusals.getOrDefault(service, Map.of()).getOrDefault(quota, 0L)))));
        return all;
    }

    private GetResponse prefix(String prefix) {
        return etcd.await(etcd.client()
                .getKVClient()
                .get(key(prefix), GetOption.builder().isPrefix(true).build()));
    }

    private static ByteSequence value(double demand, long expiresAtMillis, @Nullable QuotaSpec declared) {
        final ObjectNode node = MAPPER.createObjectNode().put("demand", demand).put("expiresAtMillis", expiresAtMillis);
        if (declared != null) {
            node.set("declared", QuotaJson.declaredNode(declared));
        }
        try {
            return ByteSequence.from(MAPPER.writeValueAsBytes(node));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A holder as stored; its expiry is by the clock of the replica that wrote it (etcd's lease is what ends it). */
    private static Holder holder(Name name, KeyValue kv) {
        try {
            final JsonNode node = MAPPER.readTree(kv.getValue().getBytes());
            final JsonNode declared = node.path("declared");
            return new Holder(
                    name.instance(),
                    node.path("demand").asDouble(0),
                    node.path("expiresAtMillis").asLong(0),
                    declared.isObject() ? QuotaJson.parseDeclared(name.quota(), declared, "declared") : null);
        } catch (IOException | RuntimeException e) {
            return new Holder(name.instance(), 0, 0, null);
        }
    }

    private static long count(KeyValue kv) {
        try {
            return Long.parseLong(text(kv.getValue()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** A holder's key, relative to {@code mesh4j/}: {@code quotas/<service>/<quota>/<instance>}. */
    private record Name(ServiceName service, String quota, InstanceId instance) {

        /** The holder a key names, or {@code null} for a key that is not one (written by something else). */
        static @Nullable Name of(ByteSequence key) {
            final String prefix = EtcdConnection.ROOT + HOLDERS;
            final String full = text(key);
            if (!full.startsWith(prefix)) {
                return null;
            }
            final String[] parts = full.substring(prefix.length()).split("/", -1);
            if (parts.length != 3 || parts[1].isEmpty()) {
                return null;
            }
            try {
                return new Name(ServiceName.of(parts[0]), parts[1], InstanceId.of(parts[2]));
            } catch (RuntimeException e) {
                return null;
            }
        }
    }
}
