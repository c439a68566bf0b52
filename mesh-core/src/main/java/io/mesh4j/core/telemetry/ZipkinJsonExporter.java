package io.mesh4j.core.telemetry;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import io.mesh4j.core.internal.telemetry.HttpAttributes;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * Sends spans to Zipkin's v2 JSON API ({@code POST /api/v2/spans}), mapped as OpenTelemetry's own Zipkin exporter
 * maps them: kind, microsecond timestamps, the resource's {@code service.name} as the local endpoint,
 * {@code peer.service} and {@code server.address}/{@code server.port} as the remote one, attributes as tags,
 * events as annotations, an error status as the {@code error} tag.
 *
 * <p>mesh4j carries this small exporter rather than {@code opentelemetry-exporter-zipkin}, which OpenTelemetry
 * stopped publishing after 1.49 (it is not in the 1.68 BOM) and which brings OkHttp 4 and Kotlin next to the OTLP
 * exporter. It sends with the JDK's HTTP client, as the OTLP exporter does here.
 */
final class ZipkinJsonExporter implements SpanExporter {

    private static final Logger logger = LoggerFactory.getLogger(ZipkinJsonExporter.class);

    private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
    private static final JsonFactory JSON = new JsonFactory();

    private final URI endpoint;
    private final HttpClient http;
    private volatile boolean shutdown;

    ZipkinJsonExporter(URI endpoint) {
        this.endpoint = requireNonNull(endpoint, "endpoint");
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        if (shutdown) {
            return CompletableResultCode.ofFailure();
        }
        final byte[] body;
        try {
            body = encode(spans);
        } catch (IOException e) {
            logger.warn("cannot encode {} spans for Zipkin", spans.size(), e);
            return CompletableResultCode.ofFailure();
        }
        final CompletableResultCode result = new CompletableResultCode();
        final HttpRequest request = HttpRequest.newBuilder(endpoint)
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((res, cause) -> {
            if (cause == null && res.statusCode() / 100 == 2) {
                result.succeed();
            } else {
                logger.warn(
                        "Zipkin at {} did not take {} spans: {}",
                        endpoint,
                        spans.size(),
                        cause != null ? cause.toString() : "status " + res.statusCode());
                result.fail();
            }
        });
        return result;
    }

    static byte[] encode(Collection<SpanData> spans) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator json = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            json.writeStartArray();
            for (SpanData span : spans) {
                writeSpan(json, span);
            }
            json.writeEndArray();
        }
        return out.toByteArray();
    }

    private static void writeSpan(JsonGenerator json, SpanData span) throws IOException {
        json.writeStartObject();
        json.writeStringField("traceId", span.getTraceId());
        json.writeStringField("id", span.getSpanId());
        if (span.getParentSpanContext().isValid()) {
            json.writeStringField("parentId", span.getParentSpanId());
        }
        json.writeStringField("name", span.getName());
        if (span.getKind() != SpanKind.INTERNAL) {
            json.writeStringField("kind", span.getKind().name());
        }
        final long start = TimeUnit.NANOSECONDS.toMicros(span.getStartEpochNanos());
        json.writeNumberField("timestamp", start);
        json.writeNumberField("duration", Math.max(1, TimeUnit.NANOSECONDS.toMicros(span.getEndEpochNanos()) - start));
        json.writeObjectFieldStart("localEndpoint");
        final String service = span.getResource().getAttribute(SERVICE_NAME);
        json.writeStringField("serviceName", service != null ? service : "unknown");
        json.writeEndObject();
        final String peer = span.getAttributes().get(HttpAttributes.PEER_SERVICE);
        final String address = span.getAttributes().get(HttpAttributes.SERVER_ADDRESS);
        final Long port = span.getAttributes().get(HttpAttributes.SERVER_PORT);
        if (span.getKind() == SpanKind.CLIENT && (peer != null || address != null)) {
            json.writeObjectFieldStart("remoteEndpoint");
            if (peer != null) {
                json.writeStringField("serviceName", peer);
            }
            if (address != null
                    && address.indexOf(':') < 0
                    && address.chars().allMatch(c -> c == '.' || Character.isDigit(c))) {
                json.writeStringField("ipv4", address);
            }
            if (port != null) {
                json.writeNumberField("port", port);
            }
            json.writeEndObject();
        }
        if (!span.getEvents().isEmpty()) {
            json.writeArrayFieldStart("annotations");
            for (EventData event : span.getEvents()) {
                json.writeStartObject();
                json.writeNumberField("timestamp", TimeUnit.NANOSECONDS.toMicros(event.getEpochNanos()));
                final StringBuilder value = new StringBuilder(event.getName());
                if (!event.getAttributes().isEmpty()) {
                    value.append(' ');
                    event.getAttributes()
                            .forEach((key, v) -> value.append(key.getKey())
                                    .append('=')
                                    .append(v)
                                    .append(' '));
                }
                json.writeStringField("value", value.toString().trim());
                json.writeEndObject();
            }
            json.writeEndArray();
        }
        json.writeObjectFieldStart("tags");
        span.getAttributes().forEach((key, value) -> {
            try {
                json.writeStringField(key.getKey(), String.valueOf(value));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        if (span.getStatus().getStatusCode() == StatusCode.ERROR) {
            json.writeStringField("otel.status_code", "ERROR");
            json.writeStringField("error", span.getStatus().getDescription());
        }
        json.writeEndObject();
        json.writeEndObject();
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        shutdown = true;
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public String toString() {
        return "ZipkinJsonExporter(" + endpoint + ')';
    }
}
