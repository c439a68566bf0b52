package io.mesh4j.registry.internal.tap;

import static java.util.Objects.requireNonNull;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.util.TimeoutMode;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.InvalidInputException;
import io.mesh4j.core.internal.registry.TapJson;
import io.mesh4j.core.internal.registry.WatchParams;
import io.mesh4j.core.internal.tap.TapFilter;

/**
 * The tap calls of the registry contract ({@link TapJson}): the operator opens a tap and reads it as it streams;
 * the tapped service's members watch which taps are open and send what they sampled. Who may call which is the
 * business of the routes that wrap these services (the admin token for the first, the service's own workloads for
 * the others).
 */
public final class TapApi {

    public static final String TAP = "/v1/services/{service}/tap";
    public static final String SESSIONS = "/v1/services/{service}/tap-sessions";
    public static final String RECORDS = "/v1/services/{service}/tap-records";

    /** The media type of the stream: one JSON object per line. */
    static final MediaType NDJSON = MediaType.parse("application/x-ndjson; charset=utf-8");

    /** Added to a watch's wait for Armeria's request timeout, so that Armeria never cuts a watch short. */
    private static final Duration TIMEOUT_MARGIN = Duration.ofSeconds(5);

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final TapSessions sessions;

    public TapApi(TapSessions sessions) {
        this.sessions = requireNonNull(sessions, "sessions");
    }

    public TapSessions sessions() {
        return sessions;
    }

    /**
     * {@code GET /v1/services/{service}/tap?from=&to=&path=&method=&maxRps=}: opens a tap, answers 200 at once with
     * its first line, and then one line per record until the caller leaves, which closes the tap.
     */
    public HttpService open() {
        return (ctx, req) -> {
            final ServiceName service = service(ctx);
            final TapFilter filter;
            try {
                filter = new TapFilter(
                        newId(),
                        ctx.queryParam("from"),
                        ctx.queryParam("to"),
                        ctx.queryParam("path"),
                        ctx.queryParam("method"),
                        maxRps(ctx.queryParam("maxRps")));
            } catch (IllegalArgumentException e) {
                // The filter names its fields as meshctl's flags do; the query's is maxRps.
                throw new InvalidInputException(
                        ErrorCode.INVALID_QUERY, String.valueOf(e.getMessage()).replace("max-rps:", "maxRps:"));
            }
            // The stream lasts as long as the tapper reads it: no request timeout, and its end closes the tap.
            ctx.clearRequestTimeout();
            final HttpResponseWriter stream = HttpResponse.streaming();
            final TapSessions.Session session = sessions.open(service, filter, record -> {
                // False once the tapper has left: the session is closing, and the record has nowhere to go.
                final boolean unused = stream.tryWrite(line(TapJson.writeRecord(record, false)));
            });
            stream.whenComplete().handle((unused, cause) -> {
                session.close();
                return null;
            });
            ctx.whenRequestCancelling().thenRun(() -> {
                session.close();
                stream.abort();
            });
            stream.write(ResponseHeaders.builder(HttpStatus.OK)
                    .contentType(NDJSON)
                    .set("cache-control", "no-store")
                    .build());
            final ObjectNode first =
                    MAPPER.createObjectNode().put("tap", filter.id()).put("service", service.value());
            stream.write(line(TapJson.writeFilter(first, filter)));
            return stream;
        };
    }

    /** {@code GET /v1/services/{service}/tap-sessions?index=N&wait=30s}: the members' long-poll watch. */
    public HttpService watch() {
        return (ctx, req) -> {
            final ServiceName service = service(ctx);
            final @Nullable String indexParam = ctx.queryParam("index");
            final @Nullable String waitParam = ctx.queryParam("wait");
            if (indexParam == null) {
                return json(TapJson.writeSessions(sessions.snapshot(service)));
            }
            final long index = WatchParams.parseIndex(indexParam);
            final Duration wait = waitParam == null ? WatchParams.DEFAULT_WAIT : WatchParams.parseWait(waitParam);
            ctx.setRequestTimeout(TimeoutMode.SET_FROM_NOW, wait.plus(TIMEOUT_MARGIN));
            final var answer = sessions.watch(service, index, wait);
            ctx.whenRequestCancelling().thenRun(() -> answer.cancel(false));
            return HttpResponse.of(answer.handleAsync(
                    (snapshot, cause) -> {
                        if (cause != null) {
                            // Cancelled: nobody is left to read this.
                            return HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE);
                        }
                        return json(TapJson.writeSessions(snapshot));
                    },
                    ctx.eventLoop()));
        };
    }

    /** {@code POST /v1/services/{service}/tap-records}, for a caller already known to be of {@code {service}}. */
    public HttpService records() {
        return (ctx, req) -> HttpResponse.of(req.aggregate().thenApply(body -> {
            final ServiceName service = service(ctx);
            sessions.deliver(service, TapJson.parseRecords(body.content().array()));
            return HttpResponse.of(HttpStatus.NO_CONTENT);
        }));
    }

    private static HttpData line(ObjectNode node) {
        return HttpData.ofUtf8(node.toString() + '\n');
    }

    private static HttpResponse json(byte[] body) {
        return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, body);
    }

    private static int maxRps(@Nullable String value) {
        if (value == null) {
            return TapFilter.DEFAULT_RPS;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new InvalidInputException(
                    ErrorCode.INVALID_QUERY,
                    "maxRps: '" + (value.length() <= 20 ? value : value.substring(0, 20) + "...")
                            + "' (expected: a whole number from 1 to " + TapFilter.MAX_RPS + ')');
        }
    }

    private static ServiceName service(ServiceRequestContext ctx) {
        final String name = requireNonNull(ctx.pathParam("service"), "service");
        try {
            return ServiceName.of(name);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(ErrorCode.INVALID_NAME, "service: " + e.getMessage());
        }
    }

    private static String newId() {
        final byte[] bytes = new byte[6];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
