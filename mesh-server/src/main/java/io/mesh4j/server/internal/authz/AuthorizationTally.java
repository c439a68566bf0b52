package io.mesh4j.server.internal.authz;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import io.mesh4j.core.stack.StackParams;
import io.mesh4j.server.AuthorizationCounts;

/** Counts every authorization decision of the AUTHZ layer, as {@link AuthorizationCounts} shows them. */
public final class AuthorizationTally implements AuthorizationCounts {

    /** The stack parameter through which the AUTHZ layer finds them. */
    public static final StackParams.Key<AuthorizationTally> KEY =
            StackParams.Key.of("authorizationCounts", AuthorizationTally::new);

    private final Map<Key, LongAdder> counts = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> ignoredOverrides = new ConcurrentHashMap<>();

    public void count(String caller, boolean allowed) {
        counter(caller, allowed).increment();
    }

    /** The count of {@code caller}'s decisions {@code allowed}, for a caller that keeps it. */
    public LongAdder counter(String caller, boolean allowed) {
        return counts.computeIfAbsent(new Key(caller, allowed), unused -> new LongAdder());
    }

    @Override
    public long of(String caller, boolean allowed) {
        final LongAdder count = counts.get(new Key(caller, allowed));
        return count == null ? 0 : count.sum();
    }

    public void countIgnoredOverride(String caller) {
        ignoredOverrides.computeIfAbsent(caller, unused -> new LongAdder()).increment();
    }

    @Override
    public long ignoredOverrides(String caller) {
        final LongAdder count = ignoredOverrides.get(caller);
        return count == null ? 0 : count.sum();
    }

    @Override
    public Map<Key, Long> snapshot() {
        final Map<Key, Long> snapshot = new TreeMap<>((a, b) -> a.caller().equals(b.caller())
                ? Boolean.compare(a.allowed(), b.allowed())
                : a.caller().compareTo(b.caller()));
        counts.forEach((key, count) -> snapshot.put(key, count.sum()));
        return snapshot;
    }
}
