package io.mesh4j.core.routing;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.discovery.ServiceName;

/**
 * A per-request override of where calls go, as Linkerd 1's {@code l5d-dtab}: the {@value #HEADER} header
 * {@code orders=>orders-canary; inventory=>inventory{version=v2}} sends this request's calls to {@code orders} to
 * the service {@code orders-canary} instead, and its calls to {@code inventory} to the instances labelled
 * {@code version=v2}. It travels downstream with the request, from service to service.
 *
 * <p>Only callers that the receiving service's route config lists in {@code overrideCallers} may steer it so;
 * anyone else's override is dropped at the door and counted. A workload's own outbound header, set outside of a
 * request it serves, is its own decision and is followed.
 */
public final class RouteOverride {

    /** The header that carries an override: {@code mesh-route-override}. */
    public static final String HEADER = "mesh-route-override";

    /** At most this many entries; an override is a debugging tool, not a routing table. */
    static final int MAX_ENTRIES = 16;

    /**
     * Where an overridden service's calls go instead: a service, and the subset of its instances.
     *
     * @param service the service called instead; the same service to change only the subset
     * @param subset the instances of {@code service} the calls go to; {@link Subset#ALL} for every instance
     */
    public record Target(ServiceName service, Subset subset) {
        /**
         * Checks the components.
         *
         * @param service see {@link #service()}
         * @param subset see {@link #subset()}
         * @throws NullPointerException if a component is {@code null}
         */
        public Target {
            requireNonNull(service, "service");
            requireNonNull(subset, "subset");
        }

        /**
         * Returns the target as the header writes it, such as {@code orders{version=v2}}.
         *
         * @return the text
         */
        @Override
        public String toString() {
            return service.value()
                    + (subset.labels().isEmpty()
                            ? ""
                            : new TreeMap<>(subset.labels())
                                    .entrySet().stream()
                                            .map(e -> e.getKey() + '=' + e.getValue())
                                            .collect(Collectors.joining(",", "{", "}")));
        }
    }

    private final Map<ServiceName, Target> targets;

    private RouteOverride(Map<ServiceName, Target> targets) {
        // In the order written, so that the header travels on as the caller wrote it.
        this.targets = Collections.unmodifiableMap(new LinkedHashMap<>(targets));
    }

    /**
     * Parses the {@value #HEADER} header: entries {@code service=>target} separated by {@code ;}, a target being a
     * service name optionally followed by labels in braces, {@code orders{version=v2,zone="eu-1a"}}.
     *
     * @param header the header's value
     * @return the override
     * @throws IllegalArgumentException saying what is malformed: an entry without {@code =>}, an invalid service
     *     name, a label without {@code =}, no entry, or more than 16 entries
     */
    public static RouteOverride parse(String header) {
        requireNonNull(header, "header");
        final Map<ServiceName, Target> targets = new LinkedHashMap<>();
        for (String entry : header.split(";")) {
            final String trimmed = entry.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            final int arrow = trimmed.indexOf("=>");
            if (arrow < 0) {
                throw new IllegalArgumentException("'" + trimmed + "' (expected: service=>target, such as "
                        + "orders=>orders-canary or orders=>orders{version=v2})");
            }
            final ServiceName source =
                    ServiceName.of(trimmed.substring(0, arrow).trim());
            targets.put(source, parseTarget(trimmed.substring(arrow + 2).trim()));
            if (targets.size() > MAX_ENTRIES) {
                throw new IllegalArgumentException(targets.size() + " entries (expected: at most " + MAX_ENTRIES + ')');
            }
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("no entry (expected: service=>target, such as orders=>orders-canary)");
        }
        return new RouteOverride(targets);
    }

    private static Target parseTarget(String text) {
        final int brace = text.indexOf('{');
        if (brace < 0) {
            return new Target(ServiceName.of(text), Subset.ALL);
        }
        if (!text.endsWith("}")) {
            throw new IllegalArgumentException(
                    "'" + text + "' (expected: labels in braces, such as " + "orders{version=v2})");
        }
        final Map<String, String> labels = new LinkedHashMap<>();
        for (String label : text.substring(brace + 1, text.length() - 1).split(",")) {
            final int eq = label.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("label '" + label.trim() + "' (expected: key=value)");
            }
            String value = label.substring(eq + 1).trim();
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                value = value.substring(1, value.length() - 1);
            }
            labels.put(label.substring(0, eq).trim(), value);
        }
        return new Target(ServiceName.of(text.substring(0, brace).trim()), new Subset(labels));
    }

    /**
     * Returns where the calls to {@code service} go instead.
     *
     * @param service the service a call is for
     * @return the target; {@code null} when this override leaves the calls to {@code service} alone
     */
    public @Nullable Target targetOf(ServiceName service) {
        return targets.get(service);
    }

    /**
     * Returns the header value, which {@link #parse(String)} reads back, entries in the order written.
     *
     * @return the header value, such as {@code orders=>orders-canary; inventory=>inventory{version=v2}}
     */
    public String format() {
        return targets.entrySet().stream()
                .map(e -> e.getKey().value() + "=>" + e.getValue())
                .collect(Collectors.joining("; "));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RouteOverride && ((RouteOverride) o).targets.equals(targets);
    }

    @Override
    public int hashCode() {
        return targets.hashCode();
    }

    @Override
    public String toString() {
        return "RouteOverride(" + format() + ')';
    }
}
