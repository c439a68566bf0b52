package io.mesh4j.registry.internal.metrics;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.InvalidInputException;
import io.mesh4j.core.internal.registry.MetricsReportJson;
import io.mesh4j.core.internal.summary.EdgeSummary;
import io.mesh4j.core.internal.summary.LatencyBuckets;
import io.mesh4j.core.internal.summary.Summaries;

/**
 * The golden-metric calls of the registry contract: members report, operators read. The caller's right to call
 * (its identity, the admin token) is checked by the routes that wrap these services; a report is checked here to
 * name only edges of the service it is sent for, and nothing of a refused report is kept.
 *
 * <ul>
 *   <li>{@code POST /v1/services/{service}/metrics}: a member's report ({@link MetricsReportJson});</li>
 *   <li>{@code GET /v1/stats/services?window=1m}: one row per service;</li>
 *   <li>{@code GET /v1/stats/services/{service}?by=route|edge&window=1m}: one service, by route or edge;</li>
 *   <li>{@code GET /v1/stats/edges?window=1m}: who calls whom;</li>
 *   <li>{@code GET /v1/stats/members}: the members heard from, with their certificate's expiry.</li>
 * </ul>
 */
public final class MetricsApi {

    public static final String REPORT = "/v1/services/{service}/metrics";
    public static final String SERVICES = "/v1/stats/services";
    public static final String SERVICE = "/v1/stats/services/{service}";
    public static final String EDGES = "/v1/stats/edges";
    public static final String MEMBERS = "/v1/stats/members";

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern WINDOW = Pattern.compile("([0-9]{1,5})(s|m|h)");
    private static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);

    private final MetricsWindow window;
    private final Predicate<ServiceName> registered;
    private final Clock clock;

    /**
     * @param registered whether a service has instances in the registry: a stat of a service neither registered
     *     nor reported is a 404
     */
    public MetricsApi(Clock clock, Predicate<ServiceName> registered) {
        this.clock = requireNonNull(clock, "clock");
        this.registered = requireNonNull(registered, "registered");
        window = new MetricsWindow(clock);
    }

    /** {@code POST /v1/services/{service}/metrics}, for a caller already known to be of {@code {service}}. */
    public HttpService report() {
        return (ctx, req) -> HttpResponse.of(req.aggregate().thenApply(body -> {
            final ServiceName service = service(ctx);
            final MetricsReportJson.Report report =
                    MetricsReportJson.parse(body.content().array());
            for (EdgeSummary entry : report.entries()) {
                final String owner = entry.side() == Summaries.Side.CLIENT ? entry.caller() : entry.service();
                if (!owner.equals(service.value())) {
                    throw new InvalidInputException(
                            ErrorCode.FORBIDDEN,
                            "a report for " + service + " names an edge measured by " + owner + " (" + entry.caller()
                                    + " -> " + entry.service() + ", "
                                    + entry.side().name().toLowerCase(Locale.ROOT)
                                    + " side): a member reports only the calls it made and the requests it served");
                }
            }
            window.add(service.value(), report);
            return HttpResponse.of(HttpStatus.NO_CONTENT);
        }));
    }

    /** {@code GET /v1/stats/services}. */
    public HttpService services() {
        return (ctx, req) -> {
            final Duration span = window(ctx);
            final String by = ctx.queryParam("by");
            if (by != null) {
                throw new InvalidInputException(
                        ErrorCode.INVALID_QUERY,
                        "by: '" + by + "' needs a service: GET /v1/stats/services/{service}?by=route|edge");
            }
            return answer(span, "service", Stats.byService(window.totals(span)));
        };
    }

    /** {@code GET /v1/stats/services/{service}}. */
    public HttpService service() {
        return (ctx, req) -> {
            final ServiceName service = service(ctx);
            final Duration span = window(ctx);
            final String by = ctx.queryParam("by") == null ? "service" : requireNonNull(ctx.queryParam("by"));
            final Map<Summaries.Key, Totals> totals = window.totals(span);
            if (!registered.test(service) && !reported(service.value())) {
                throw new InvalidInputException(
                        ErrorCode.NOT_FOUND,
                        "no service " + service + ": it has no instance and no member reported calls to or from it "
                                + "in the last " + MetricsWindow.SPAN.toMinutes() + " minutes (see GET /v1/services)");
            }
            final List<Stats.Row> rows;
            switch (by) {
                case "service":
                    rows = Stats.byService(totals).stream()
                            .filter(row -> service.value().equals(row.service()))
                            .toList();
                    break;
                case "route":
                    rows = Stats.byRoute(totals, service.value());
                    break;
                case "edge":
                    rows = Stats.byEdge(totals, service.value());
                    break;
                default:
                    throw new InvalidInputException(
                            ErrorCode.INVALID_QUERY, "by: '" + by + "' (expected: service, route or edge)");
            }
            return answer(span, by, rows);
        };
    }

    /** {@code GET /v1/stats/edges}. */
    public HttpService edges() {
        return (ctx, req) -> {
            final Duration span = window(ctx);
            return answer(span, "edge", Stats.byEdge(window.totals(span), null));
        };
    }

    /** {@code GET /v1/stats/members}. */
    public HttpService members() {
        return (ctx, req) -> {
            final ObjectNode root = MAPPER.createObjectNode();
            root.put("now", clock.instant().toString());
            final ArrayNode members = root.putArray("members");
            window.members().stream()
                    .sorted(Comparator.comparing(ReportingMember::service).thenComparing(ReportingMember::reporter))
                    .forEach(member -> {
                        final ObjectNode node = members.addObject()
                                .put("service", member.service())
                                .put("reporter", member.reporter())
                                .put("lastReport", member.lastReport().toString());
                        if (member.certificateExpiresAt() != null) {
                            node.put("certificateExpiresAt", String.valueOf(member.certificateExpiresAt()));
                        }
                        lastKnownGood(node, member);
                    });
            return json(root);
        };
    }

    /**
     * Puts {@code lastKnownGood} in a member's JSON: {@code {"since", "stale"}} while it runs from its last-known-good
     * state, as its last report said; {@code null} otherwise (or for a member too old to say).
     */
    public static void lastKnownGood(ObjectNode node, ReportingMember member) {
        final MetricsReportJson.@Nullable LastKnownGoodState state = member.lastKnownGood();
        if (state == null) {
            node.putNull("lastKnownGood");
            return;
        }
        node.putObject("lastKnownGood").put("since", state.since().toString()).put("stale", state.stale());
    }

    /** The clock reports are placed in time with. */
    public Clock clock() {
        return clock;
    }

    /** The members heard from in the last 15 minutes. */
    public List<ReportingMember> reportingMembers() {
        return window.members();
    }

    /** The services any report of the last 15 minutes named, as caller or as called. */
    public Set<String> reportedServices() {
        final Set<String> names = new TreeSet<>();
        window.totals(MetricsWindow.SPAN).keySet().forEach(key -> {
            names.add(key.service());
            names.add(key.caller());
        });
        return names;
    }

    private boolean reported(String service) {
        final Set<String> names = new HashSet<>();
        window.totals(MetricsWindow.SPAN).keySet().forEach(key -> {
            names.add(key.service());
            names.add(key.caller());
        });
        return names.contains(service);
    }

    /**
     * The answer of {@code GET /v1/stats/services} over {@code span} (one row per service), as the dashboard shows
     * it.
     */
    public ObjectNode servicesTable(Duration span) {
        return table(span, "service", Stats.byService(window.totals(span)));
    }

    /** The answer of {@code GET /v1/stats/edges} over {@code span}, as the dashboard shows it. */
    public ObjectNode edgesTable(Duration span) {
        return table(span, "edge", Stats.byEdge(window.totals(span), null));
    }

    /**
     * The rows of {@code GET /v1/stats/services/{service}?by=route} over {@code span} for each of {@code services},
     * one after the other, as the dashboard shows them; the window is added up once for all of them.
     */
    public ObjectNode routesTable(Duration span, Collection<String> services) {
        final Map<Summaries.Key, Totals> totals = window.totals(span);
        final List<Stats.Row> rows = new ArrayList<>();
        for (String service : services) {
            rows.addAll(Stats.byRoute(totals, service));
        }
        return table(span, "route", rows);
    }

    /**
     * Every caller → service → route that a server refused over {@code span}, with how often, as the dashboard
     * shows them: the denials members report, not single requests (no request is kept).
     */
    public ObjectNode denialsTable(Duration span) {
        return table(span, "denial", Stats.denials(window.totals(span)));
    }

    /** How far back the registry keeps reports: the longest window a table may cover. */
    public static Duration span() {
        return MetricsWindow.SPAN;
    }

    private static HttpResponse answer(Duration span, String by, List<Stats.Row> rows) {
        return json(table(span, by, rows));
    }

    private static ObjectNode table(Duration span, String by, List<Stats.Row> rows) {
        final ObjectNode root = MAPPER.createObjectNode();
        root.put("window", span.getSeconds() + "s").put("by", by);
        final ArrayNode array = root.putArray("rows");
        final double seconds = span.getSeconds();
        for (Stats.Row row : rows) {
            final ObjectNode node = array.addObject();
            if (row.caller() != null) {
                node.put("caller", row.caller());
            }
            if (row.service() != null) {
                node.put("service", row.service());
            }
            if (row.route() != null) {
                node.put("route", row.route());
            }
            final Totals traffic = row.traffic();
            node.put("requests", traffic.requests).put("successes", traffic.successes);
            if (traffic.requests > 0) {
                node.put("successRate", round((double) traffic.successes / traffic.requests, 4));
            } else {
                node.putNull("successRate");
            }
            node.put("rps", round(traffic.requests / seconds, 3));
            final ObjectNode latency = node.putObject("latencyMs");
            latency.put("p50", round(LatencyBuckets.quantileMillis(traffic.latency, 0.50), 3))
                    .put("p95", round(LatencyBuckets.quantileMillis(traffic.latency, 0.95), 3))
                    .put("p99", round(LatencyBuckets.quantileMillis(traffic.latency, 0.99), 3));
            node.put("retries", row.retries())
                    .put("denials", row.denials())
                    .put("ejections", row.ejections())
                    .put("measuredBy", row.measuredBy());
        }
        return root;
    }

    private static HttpResponse json(ObjectNode root) {
        try {
            return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, MAPPER.writeValueAsBytes(root));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double round(double value, int places) {
        final double scale = Math.pow(10, places);
        return Math.round(value * scale) / scale;
    }

    private static ServiceName service(ServiceRequestContext ctx) {
        final String name = requireNonNull(ctx.pathParam("service"), "service");
        try {
            return ServiceName.of(name);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(ErrorCode.INVALID_NAME, "service: " + e.getMessage());
        }
    }

    /** The {@code window} query parameter: 10 s to 15 min, such as {@code 30s}, {@code 1m}, {@code 15m}. */
    static Duration window(ServiceRequestContext ctx) {
        final @Nullable String value = ctx.queryParam("window");
        if (value == null) {
            return DEFAULT_WINDOW;
        }
        final Matcher matcher = WINDOW.matcher(value);
        Duration window = null;
        if (matcher.matches()) {
            final long amount = Long.parseLong(matcher.group(1));
            window = switch (matcher.group(2)) {
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofHours(amount);
            };
        }
        if (window == null
                || window.compareTo(MetricsWindow.RESOLUTION) < 0
                || window.compareTo(MetricsWindow.SPAN) > 0) {
            throw new InvalidInputException(
                    ErrorCode.INVALID_QUERY,
                    "window: '" + value + "' (expected: from 10s to 15m, such as 30s, 1m or 15m: the registry "
                            + "keeps 15 minutes at 10-second resolution)");
        }
        return window;
    }
}
