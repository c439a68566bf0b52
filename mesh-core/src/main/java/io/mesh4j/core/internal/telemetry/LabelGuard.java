package io.mesh4j.core.internal.telemetry;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bounds the distinct values of each label: the first {@code max} values of a label in a scope (a service) are
 * kept, later ones become {@value #OTHER}. Whatever callers send, a metric has at most {@code max} series per
 * label and scope, so random paths, caller names or endpoints cannot grow memory.
 */
final class LabelGuard {

    static final String OTHER = "other";

    private final int max;
    private final Map<Scope, Set<String>> seen = new ConcurrentHashMap<>();

    LabelGuard(int max) {
        this.max = max;
    }

    /** {@code value} of {@code label} on the metrics of the inbound requests {@code service} serves. */
    String admit(String service, String label, String value) {
        return admit(new Scope(false, service, label), value);
    }

    /** {@code value} of {@code label} on the metrics of the outbound calls to {@code service}. */
    String admitOutbound(String service, String label, String value) {
        return admit(new Scope(true, service, label), value);
    }

    private String admit(Scope scope, String value) {
        final Set<String> values = seen.computeIfAbsent(scope, unused -> ConcurrentHashMap.newKeySet());
        if (values.contains(value)) {
            return value;
        }
        // Two threads may both pass the size check and add one value each beyond max: a bound, not an exact cap.
        if (values.size() >= max) {
            return OTHER;
        }
        values.add(value);
        return value;
    }

    /** A record rather than a concatenated string: no string is built per request on the hot path. */
    private record Scope(boolean outbound, String service, String label) {}
}
