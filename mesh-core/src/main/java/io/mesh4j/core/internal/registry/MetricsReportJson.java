package io.mesh4j.core.internal.registry;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.summary.EdgeSummary;
import io.mesh4j.core.internal.summary.LatencyBuckets;
import io.mesh4j.core.internal.summary.Summaries;

/**
 * The body of {@code POST /v1/services/{service}/metrics}: a member's golden-metric summaries since its last report.
 *
 * <pre>{@code
 * {"reporter": "k3x9...", "certificateExpiresAt": "2026-12-08T02:00:00Z",
 *  "lastKnownGood": {"since": "2026-12-07T02:40:00Z", "stale": false},
 *  "entries": [{"side": "client", "caller": "frontend", "service": "orders", "route": "/orders/{id}",
 *               "requests": 120, "successes": 118, "retries": 3, "denials": 0, "ejections": 0,
 *               "latency": [[40, 100], [44, 20]]}]}
 * }</pre>
 *
 * {@code latency} lists {@code [bucket index, count]} pairs of the fixed {@link LatencyBuckets}, non-empty ones only.
 * {@code lastKnownGood} is there only while the member runs from its last-known-good state (the time of that state,
 * and whether it is older than the member's budget); a member that does not, or is older than this field, sends none.
 */
public final class MetricsReportJson {

    /** The most entries one report may carry; a member sends what is left in its next report. */
    public static final int MAX_ENTRIES = 500;

    /** The longest route a report may name; routes are templates, never raw paths. */
    public static final int MAX_ROUTE_LENGTH = 256;

    private static final String EXAMPLE = "{\"reporter\": \"...\", \"entries\": [{\"side\": \"client\", \"caller\": "
            + "\"frontend\", \"service\": \"orders\", \"route\": \"/orders/{id}\", \"requests\": 1, \"successes\": 1, "
            + "\"latency\": [[40, 1]]}]}";
    private static final Set<String> REPORT_FIELDS =
            Set.of("reporter", "certificateExpiresAt", "lastKnownGood", "entries");
    private static final Set<String> ENTRY_FIELDS = Set.of(
            "side",
            "caller",
            "service",
            "route",
            "requests",
            "successes",
            "retries",
            "denials",
            "ejections",
            "latency");

    /**
     * One report.
     *
     * @param reporter a member's id, random per process, so that the registry can tell members of one service apart
     * @param certificateExpiresAt when the member's workload certificate expires, if it has one
     */
    public record Report(
            String reporter,
            @Nullable Instant certificateExpiresAt,
            @Nullable LastKnownGoodState lastKnownGood,
            List<EdgeSummary> entries) {

        public Report(String reporter, @Nullable Instant certificateExpiresAt, List<EdgeSummary> entries) {
            this(reporter, certificateExpiresAt, null, entries);
        }
    }

    /**
     * A member running from its last-known-good state, as its report says.
     *
     * @param since when that state was saved
     * @param stale whether it is older than the member's budget for it
     */
    public record LastKnownGoodState(Instant since, boolean stale) {}

    /** The JSON of one entry, so that a member can pack entries into reports of a bounded size. */
    public static ObjectNode writeEntry(EdgeSummary entry) {
        final ObjectNode node = JsonTrees.NODES.objectNode();
        node.put("side", entry.side().name().toLowerCase(Locale.ROOT))
                .put("caller", entry.caller())
                .put("service", entry.service())
                .put("route", entry.route())
                .put("requests", entry.requests())
                .put("successes", entry.successes())
                .put("retries", entry.retries())
                .put("denials", entry.denials())
                .put("ejections", entry.ejections());
        final ArrayNode latency = node.putArray("latency");
        final long[] counts = entry.latency();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] != 0) {
                latency.addArray().add(i).add(counts[i]);
            }
        }
        return node;
    }

    /** The bytes {@code entry} takes in a report, to fill a report up to its limit. */
    public static int encodedSize(ObjectNode entry) {
        return JsonTrees.write(entry).length;
    }

    /** A report of {@code entries}, already written by {@link #writeEntry}. */
    public static byte[] writeReport(
            String reporter, @Nullable Instant certificateExpiresAt, List<ObjectNode> entries) {
        return writeReport(reporter, certificateExpiresAt, null, entries);
    }

    /** A report of {@code entries}, saying whether the member runs from its last-known-good state. */
    public static byte[] writeReport(
            String reporter,
            @Nullable Instant certificateExpiresAt,
            @Nullable LastKnownGoodState lastKnownGood,
            List<ObjectNode> entries) {
        final ObjectNode root = JsonTrees.NODES.objectNode();
        root.put("reporter", reporter);
        if (certificateExpiresAt != null) {
            root.put("certificateExpiresAt", certificateExpiresAt.toString());
        }
        if (lastKnownGood != null) {
            root.putObject("lastKnownGood")
                    .put("since", lastKnownGood.since().toString())
                    .put("stale", lastKnownGood.stale());
        }
        root.putArray("entries").addAll(entries);
        return RegistryJson.write(root);
    }

    /**
     * Reads a report strictly: every field of the right type and range, every name valid, no unknown field.
     *
     * @throws InvalidInputException naming what is wrong
     */
    public static Report parse(byte[] body) {
        final ObjectNode root = StrictJson.readObject(body, EXAMPLE);
        final StrictJson.Fields fields = new StrictJson.Fields(root, REPORT_FIELDS);
        final String reporter = fields.requiredString("reporter");
        if (reporter.isEmpty() || reporter.length() > 64) {
            throw invalid("reporter: '" + reporter + "' (expected: 1 to 64 characters)");
        }
        final String expires = fields.optionalString("certificateExpiresAt", "");
        Instant expiresAt = null;
        if (!expires.isEmpty()) {
            try {
                expiresAt = Instant.parse(expires);
            } catch (DateTimeParseException e) {
                throw invalid("certificateExpiresAt: '" + expires + "' (expected: an instant such as "
                        + "2026-12-08T02:00:00Z)");
            }
        }
        final @Nullable LastKnownGoodState lastKnownGood = parseLastKnownGood(root.get("lastKnownGood"));
        final JsonNode entries = root.get("entries");
        if (entries == null || !entries.isArray()) {
            throw invalid("entries: missing or not an array (expected: " + EXAMPLE + ')');
        }
        if (entries.size() > MAX_ENTRIES) {
            throw invalid("entries: " + entries.size() + " (expected: at most " + MAX_ENTRIES + " per report)");
        }
        final List<EdgeSummary> parsed = new ArrayList<>(entries.size());
        int i = 0;
        for (JsonNode entry : entries) {
            parsed.add(parseEntry("entries[" + i++ + "]", entry));
        }
        return new Report(reporter, expiresAt, lastKnownGood, parsed);
    }

    private static @Nullable LastKnownGoodState parseLastKnownGood(@Nullable JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        final String example = "{\"since\": \"2026-12-07T02:40:00Z\", \"stale\": false}";
        if (!node.isObject()
                || !node.path("since").isTextual()
                || !node.path("stale").isBoolean()
                || node.size() != 2) {
            throw invalid("lastKnownGood: " + node + " (expected: " + example + ", or no such field)");
        }
        try {
            return new LastKnownGoodState(
                    Instant.parse(node.path("since").asText()),
                    node.path("stale").asBoolean());
        } catch (DateTimeParseException e) {
            throw invalid("lastKnownGood.since: '" + node.path("since").asText() + "' (expected: an instant such as "
                    + "2026-12-07T02:40:00Z)");
        }
    }

    private static EdgeSummary parseEntry(String at, JsonNode node) {
        if (!node.isObject()) {
            throw invalid(at + ": is " + StrictJson.describe(node.getNodeType()) + " (expected: an object)");
        }
        final StrictJson.Fields fields;
        try {
            fields = new StrictJson.Fields((ObjectNode) node, ENTRY_FIELDS);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(e.code(), at + ": " + e.getMessage());
        }
        final String sideName = fields.requiredString("side");
        final Summaries.Side side;
        if ("client".equals(sideName)) {
            side = Summaries.Side.CLIENT;
        } else if ("server".equals(sideName)) {
            side = Summaries.Side.SERVER;
        } else {
            throw invalid(at + ".side: '" + sideName + "' (expected: client or server)");
        }
        final String caller = name(at + ".caller", fields.requiredString("caller"));
        final String service = name(at + ".service", fields.requiredString("service"));
        final String route = fields.requiredString("route");
        if (route.isEmpty() || route.length() > MAX_ROUTE_LENGTH) {
            throw invalid(at + ".route: " + route.length() + " characters (expected: 1 to " + MAX_ROUTE_LENGTH + ')');
        }
        final long requests = count(at, fields, "requests");
        final long successes = count(at, fields, "successes");
        if (successes > requests) {
            throw invalid(at + ".successes: " + successes + " (expected: at most requests, " + requests + ')');
        }
        final long retries = count(at, fields, "retries");
        final long denials = count(at, fields, "denials");
        final long ejections = count(at, fields, "ejections");
        final long[] latency = new long[LatencyBuckets.COUNT];
        final JsonNode pairs = node.get("latency");
        if (pairs != null && !pairs.isNull()) {
            if (!pairs.isArray()) {
                throw invalid(at + ".latency: not an array (expected: [[bucket, count], ...])");
            }
            for (JsonNode pair : pairs) {
                if (!pair.isArray()
                        || pair.size() != 2
                        || !pair.get(0).isIntegralNumber()
                        || !pair.get(1).isIntegralNumber()) {
                    throw invalid(at + ".latency: " + pair + " (expected: [bucket, count] pairs of integers)");
                }
                final long bucket = pair.get(0).asLong();
                final long count = pair.get(1).asLong();
                if (bucket < 0 || bucket >= LatencyBuckets.COUNT || count < 0) {
                    throw invalid(at + ".latency: " + pair + " (expected: a bucket from 0 to "
                            + (LatencyBuckets.COUNT - 1) + " and a count >= 0)");
                }
                latency[(int) bucket] += count;
            }
        }
        return new EdgeSummary(side, caller, service, route, requests, successes, retries, denials, ejections, latency);
    }

    private static String name(String at, String value) {
        try {
            return ServiceName.of(value).value();
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(ErrorCode.INVALID_NAME, at + ": " + e.getMessage());
        }
    }

    private static long count(String at, StrictJson.Fields fields, String name) {
        final long value;
        try {
            value = fields.optionalLong(name, 0);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(e.code(), at + '.' + e.getMessage());
        }
        if (value < 0) {
            throw invalid(at + '.' + name + ": " + value + " (expected: >= 0)");
        }
        return value;
    }

    private static InvalidInputException invalid(String message) {
        return new InvalidInputException(ErrorCode.INVALID_FIELD, message);
    }

    private MetricsReportJson() {}
}
