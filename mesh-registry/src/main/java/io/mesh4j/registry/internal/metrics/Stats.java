package io.mesh4j.registry.internal.metrics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.authz.AccessRule;
import io.mesh4j.core.internal.summary.Summaries;

/**
 * Rows of a stat table from a window's totals. A row's traffic is what the called service's servers measured when
 * they reported it, else what its callers' clients did (a service outside the mesh, or one that does not report);
 * retries and ejections only a client sees, denials only a server.
 */
final class Stats {

    /** One row: an edge, a service or a route, with whichever of caller, service and route it is by. */
    record Row(
            @Nullable String caller,
            @Nullable String service,
            @Nullable String route,
            Totals traffic,
            String measuredBy,
            long retries,
            long denials,
            long ejections) {}

    private record Group(Totals server, Totals client) {
        Group() {
            this(new Totals(), new Totals());
        }
    }

    /** One row per service called. */
    static List<Row> byService(Map<Summaries.Key, Totals> totals) {
        return rows(totals, key -> true, key -> key.service(), (name, group) -> row(null, name, null, group));
    }

    /**
     * One row per route of {@code service}, in Armeria's form ({@code /orders/:id}), which servers name their routes
     * in and to which a caller's {@code /orders/{id}} is brought. When the service's servers reported, their routes
     * are the rows (a caller's route the service does not have, such as {@code unmatched}, would count its requests
     * twice); callers' routes only otherwise.
     */
    static List<Row> byRoute(Map<Summaries.Key, Totals> totals, String service) {
        final Set<String> served = new HashSet<>();
        totals.forEach((key, value) -> {
            if (key.side() == Summaries.Side.SERVER && key.service().equals(service) && value.requests > 0) {
                served.add(AccessRule.normalize(key.route()));
            }
        });
        return rows(
                totals,
                key -> key.service().equals(service)
                        && !key.route().equals(Summaries.WHOLE_EDGE)
                        && (served.isEmpty() || served.contains(AccessRule.normalize(key.route()))),
                key -> AccessRule.normalize(key.route()),
                (route, group) -> row(null, service, route, group));
    }

    /** One row per caller → service edge; with {@code service}, those into or out of it only. */
    static List<Row> byEdge(Map<Summaries.Key, Totals> totals, @Nullable String service) {
        return rows(
                totals,
                key -> service == null
                        || key.service().equals(service)
                        || key.caller().equals(service),
                key -> key.caller() + ' ' + key.service(),
                (edge, group) -> {
                    final int space = edge.indexOf(' ');
                    return row(edge.substring(0, space), edge.substring(space + 1), null, group);
                });
    }

    /**
     * One row per caller → service → route that a server refused at least once (its access policy said no); the
     * route in Armeria's form. Only servers count denials, so a row's traffic is the server's.
     */
    static List<Row> denials(Map<Summaries.Key, Totals> totals) {
        return rows(
                        totals,
                        key -> key.side() == Summaries.Side.SERVER
                                && !key.route().equals(Summaries.WHOLE_EDGE),
                        key -> key.caller() + '\n' + key.service() + '\n' + AccessRule.normalize(key.route()),
                        (name, group) -> {
                            final String[] parts = name.split("\n", 3);
                            return row(parts[0], parts[1], parts[2], group);
                        })
                .stream()
                .filter(row -> row.denials() > 0)
                .toList();
    }

    private static List<Row> rows(
            Map<Summaries.Key, Totals> totals,
            Predicate<Summaries.Key> filter,
            Function<Summaries.Key, String> groupBy,
            BiFunction<String, Group, Row> toRow) {
        final Map<String, Group> groups = new TreeMap<>();
        totals.forEach((key, value) -> {
            if (!filter.test(key)) {
                return;
            }
            final Group group = groups.computeIfAbsent(groupBy.apply(key), k -> new Group());
            (key.side() == Summaries.Side.SERVER ? group.server() : group.client()).add(value);
        });
        final List<Row> rows = new ArrayList<>();
        groups.forEach((name, group) -> rows.add(toRow.apply(name, group)));
        rows.sort(Comparator.comparing((Row row) -> String.valueOf(row.caller()))
                .thenComparing(row -> String.valueOf(row.service()))
                .thenComparing(row -> String.valueOf(row.route())));
        return rows;
    }

    private static Row row(@Nullable String caller, @Nullable String service, @Nullable String route, Group group) {
        final boolean byServer = group.server().requests > 0;
        return new Row(
                caller,
                service,
                route,
                byServer ? group.server() : group.client(),
                byServer ? "server" : "client",
                group.client().retries,
                group.server().denials,
                group.client().ejections);
    }

    private Stats() {}
}
