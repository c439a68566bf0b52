package io.mesh4j.server.internal.authz;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import io.mesh4j.core.stack.StackParams;

/**
 * Every authorization decision, counted by caller and outcome, so that an operator sees who is refused before
 * tightening a policy and who still calls after.
 */
public final class AuthorizationCounts {

    /** The stack parameter through which the AUTHZ layer finds them. */
    public static final StackParams.Key<AuthorizationCounts> KEY =
            StackParams.Key.of("authorizationCounts", AuthorizationCounts::new);

    /** A caller and what was decided for it. */
    public record Key(String caller, boolean allowed) {}

    private final Map<Key, LongAdder> counts = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> ignoredOverrides = new ConcurrentHashMap<>();

    void count(String caller, boolean allowed) {
        counts.computeIfAbsent(new Key(caller, allowed), unused -> new LongAdder()).increment();
    }

    /** How many requests of {@code caller} (a SPIFFE ID, or "unknown") were allowed, or denied. */
    public long of(String caller, boolean allowed) {
        final LongAdder count = counts.get(new Key(caller, allowed));
        return count == null ? 0 : count.sum();
    }

    void countIgnoredOverride(String caller) {
        ignoredOverrides.computeIfAbsent(caller, unused -> new LongAdder()).increment();
    }

    /**
     * How many requests of {@code caller} carried a route override that was ignored: the caller may not send one,
     * or it did not parse.
     */
    public long ignoredOverrides(String caller) {
        final LongAdder count = ignoredOverrides.get(caller);
        return count == null ? 0 : count.sum();
    }

    /** Every count so far, by caller and outcome. */
    public Map<Key, Long> snapshot() {
        final Map<Key, Long> snapshot = new TreeMap<>((a, b) -> a.caller().equals(b.caller())
                                                                ? Boolean.compare(a.allowed(), b.allowed())
                                                                : a.caller().compareTo(b.caller()));
        counts.forEach((key, count) -> snapshot.put(key, count.sum()));
        return snapshot;
    }
}
