package io.mesh4j.core.internal.registry;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.tap.TapFilter;
import io.mesh4j.core.internal.tap.TapRecord;

/**
 * The wire format of tap, in three calls:
 *
 * <ul>
 *   <li>{@code GET /v1/services/{service}/tap?from=&to=&path=&method=&maxRps=} (the operator): opens a tap and
 *       streams it, one JSON object per line: first {@code {"tap": id, "service", ...filter}}, then one record per
 *       line ({@link #writeRecord}) until the caller leaves;</li>
 *   <li>{@code GET /v1/services/{service}/tap-sessions?index=N&wait=30s} (the service's members): the taps open
 *       for the service, as a long-poll watch: {@code {"index": N, "taps": [{"id", "from", "to", "path", "method",
 *       "maxRps"}]}};</li>
 *   <li>{@code POST /v1/services/{service}/tap-records} (the service's members): what they sampled,
 *       {@code {"records": [{"taps": [id], "time", "direction", "caller", "service", "method", "path", "status",
 *       "grpcStatus", "latencyMs", "attempts"}]}}.</li>
 * </ul>
 */
public final class TapJson {

    /** The most records one post may carry; a member sends the rest in its next post. */
    public static final int MAX_RECORDS = 200;

    private static final String EXAMPLE = "{\"records\": [{\"taps\": [\"t1\"], \"time\": \"2026-12-07T10:00:00Z\", "
            + "\"direction\": \"inbound\", \"caller\": \"frontend\", \"service\": \"orders\", \"method\": \"GET\", "
            + "\"path\": \"/orders/7\", \"status\": 200, \"latencyMs\": 1.2}]}";
    private static final String SESSIONS_EXAMPLE = "{\"index\": 3, \"taps\": [{\"id\": \"t1\", \"maxRps\": 20}]}";
    private static final Set<String> RECORD_FIELDS = Set.of(
            "taps",
            "time",
            "direction",
            "caller",
            "service",
            "method",
            "path",
            "status",
            "grpcStatus",
            "latencyMs",
            "attempts");

    /** The path of the operator's tap of {@code service}. */
    public static String tapPath(String service) {
        return "/v1/services/" + service + "/tap";
    }

    /** The path of the members' watch of the taps open for {@code service}. */
    public static String sessionsPath(String service) {
        return "/v1/services/" + service + "/tap-sessions";
    }

    /** The path of the members' records of {@code service}. */
    public static String recordsPath(String service) {
        return "/v1/services/" + service + "/tap-records";
    }

    /** The taps open for a service at {@code index}. */
    public record Sessions(long index, List<TapFilter> taps) {}

    /** The filter's fields, as the tap stream's first line and the sessions' answer carry them. */
    public static ObjectNode writeFilter(ObjectNode node, TapFilter filter) {
        if (filter.from() != null) {
            node.put("from", filter.from());
        }
        if (filter.to() != null) {
            node.put("to", filter.to());
        }
        if (filter.pathPrefix() != null) {
            node.put("path", filter.pathPrefix());
        }
        if (filter.method() != null) {
            node.put("method", filter.method());
        }
        return node.put("maxRps", filter.maxRps());
    }

    public static byte[] writeSessions(Sessions sessions) {
        final ObjectNode root = JsonTrees.NODES.objectNode();
        root.put("index", sessions.index());
        final ArrayNode taps = root.putArray("taps");
        for (TapFilter filter : sessions.taps()) {
            writeFilter(taps.addObject().put("id", filter.id()), filter);
        }
        return RegistryJson.write(root);
    }

    /** Reads the registry's answer; a tap this member's version cannot read is left out rather than failing all. */
    public static Sessions parseSessions(byte[] body) {
        final ObjectNode root = StrictJson.readObject(body, SESSIONS_EXAMPLE);
        final long index = root.path("index").asLong(-1);
        final List<TapFilter> taps = new ArrayList<>();
        for (JsonNode tap : root.path("taps")) {
            try {
                taps.add(new TapFilter(
                        tap.path("id").asText(""),
                        text(tap, "from"),
                        text(tap, "to"),
                        text(tap, "path"),
                        text(tap, "method"),
                        tap.path("maxRps").asInt(TapFilter.DEFAULT_RPS)));
            } catch (IllegalArgumentException e) {
                // Left out: a member samples only what it understands.
            }
        }
        return new Sessions(index, List.copyOf(taps));
    }

    /** One record, as the tap stream shows it: with {@code taps} when a member sends it, without in the stream. */
    public static ObjectNode writeRecord(TapRecord record, boolean withTaps) {
        final ObjectNode node = JsonTrees.NODES.objectNode();
        if (withTaps) {
            final ArrayNode taps = node.putArray("taps");
            record.taps().forEach(taps::add);
        }
        node.put("time", Instant.ofEpochMilli(record.timeMillis()).toString())
                .put("direction", record.inbound() ? "inbound" : "outbound")
                .put("caller", record.caller())
                .put("service", record.service())
                .put("method", record.method())
                .put("path", record.path())
                .put("status", record.status());
        if (record.grpcStatus() >= 0) {
            node.put("grpcStatus", record.grpcStatus());
        }
        node.put("latencyMs", record.latencyMicros() / 1000.0);
        if (!record.inbound()) {
            node.put("attempts", record.attempts());
        }
        return node;
    }

    public static byte[] writeRecords(List<TapRecord> records) {
        final ObjectNode root = JsonTrees.NODES.objectNode();
        final ArrayNode array = root.putArray("records");
        records.forEach(record -> array.add(writeRecord(record, true)));
        return RegistryJson.write(root);
    }

    /**
     * Reads a member's records strictly: every field of the right type and range, no unknown field (so no header
     * can ride along).
     *
     * @throws InvalidInputException naming what is wrong
     */
    public static List<TapRecord> parseRecords(byte[] body) {
        final ObjectNode root = StrictJson.readObject(body, EXAMPLE);
        new StrictJson.Fields(root, Set.of("records"));
        final JsonNode records = root.get("records");
        if (records == null || !records.isArray()) {
            throw invalid("records: missing or not an array (expected: " + EXAMPLE + ')');
        }
        if (records.size() > MAX_RECORDS) {
            throw invalid("records: " + records.size() + " (expected: at most " + MAX_RECORDS + " per post)");
        }
        final List<TapRecord> parsed = new ArrayList<>(records.size());
        int i = 0;
        for (JsonNode record : records) {
            parsed.add(parseRecord("records[" + i++ + "]", record));
        }
        return parsed;
    }

    private static TapRecord parseRecord(String at, JsonNode node) {
        if (!node.isObject()) {
            throw invalid(at + ": is " + StrictJson.describe(node.getNodeType()) + " (expected: an object)");
        }
        final StrictJson.Fields fields;
        try {
            fields = new StrictJson.Fields((ObjectNode) node, RECORD_FIELDS);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(e.code(), at + ": " + e.getMessage());
        }
        try {
            final List<String> taps = new ArrayList<>();
            final JsonNode ids = node.get("taps");
            if (ids == null || !ids.isArray() || ids.isEmpty() || ids.size() > 16) {
                throw invalid("taps: missing or not an array of 1 to 16 tap ids");
            }
            for (JsonNode id : ids) {
                if (!id.isTextual()) {
                    throw invalid("taps: " + id + " (expected: tap ids)");
                }
                taps.add(id.textValue());
            }
            final Instant time;
            try {
                time = Instant.parse(fields.requiredString("time"));
            } catch (java.time.format.DateTimeParseException e) {
                throw invalid("time: '" + fields.requiredString("time") + "' (expected: an instant such as "
                        + "2026-12-07T10:00:00Z)");
            }
            final String direction = fields.requiredString("direction");
            if (!"inbound".equals(direction) && !"outbound".equals(direction)) {
                throw invalid("direction: '" + direction + "' (expected: inbound or outbound)");
            }
            final String caller = name("caller", fields.requiredString("caller"));
            final String service = name("service", fields.requiredString("service"));
            final String method = fields.requiredString("method");
            if (!method.matches("[A-Z]{1,16}")) {
                throw invalid("method: '" + abbreviate(method) + "' (expected: an HTTP method such as GET)");
            }
            final String path = fields.requiredString("path");
            if (!path.startsWith("/") || path.length() > TapRecord.MAX_PATH || path.indexOf('?') >= 0) {
                throw invalid("path: '" + abbreviate(path) + "' (expected: a path without its query, starting with "
                        + "/, at most " + TapRecord.MAX_PATH + " characters)");
            }
            final int status = fields.requiredInt("status");
            if (status < 0 || status > 999) {
                throw invalid("status: " + status + " (expected: 0 to 999)");
            }
            final int grpcStatus = fields.optionalInt("grpcStatus", -1);
            if (grpcStatus < -1 || grpcStatus > 16) {
                throw invalid("grpcStatus: " + grpcStatus + " (expected: 0 to 16)");
            }
            final JsonNode latency = node.get("latencyMs");
            if (latency == null || !latency.isNumber() || latency.doubleValue() < 0) {
                throw invalid("latencyMs: missing or not a number >= 0");
            }
            final int attempts = fields.optionalInt("attempts", 0);
            if (attempts < 0 || attempts > 1_000) {
                throw invalid("attempts: " + attempts + " (expected: 0 to 1000)");
            }
            return new TapRecord(
                    time.toEpochMilli(),
                    "inbound".equals(direction),
                    caller,
                    service,
                    method,
                    path,
                    status,
                    grpcStatus,
                    Math.round(latency.doubleValue() * 1000),
                    attempts,
                    taps);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(e.code(), at + '.' + e.getMessage());
        }
    }

    private static @Nullable String text(JsonNode node, String field) {
        final JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static String name(String at, String value) {
        try {
            return ServiceName.of(value).value();
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(ErrorCode.INVALID_NAME, at + ": " + e.getMessage());
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    private static InvalidInputException invalid(String message) {
        return new InvalidInputException(ErrorCode.INVALID_FIELD, message);
    }

    private TapJson() {}
}
