package io.mesh4j.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** What the trace tests read of Zipkin's v2 spans (JSON, as Zipkin receives and answers them). */
final class ZipkinSpans {

    private ZipkinSpans() {}

    /** The one span of {@code kind} ({@code SERVER}, {@code CLIENT}) that {@code service} sent in {@code trace}. */
    static JsonNode only(List<JsonNode> trace, String service, String kind) {
        final List<JsonNode> found = trace.stream()
                .filter(span -> service.equals(
                        span.path("localEndpoint").path("serviceName").asText()))
                .filter(span -> kind.equals(span.path("kind").asText()))
                .toList();
        assertThat(found).as("the %s span of %s in %s", kind, service, trace).hasSize(1);
        return found.get(0);
    }
}
