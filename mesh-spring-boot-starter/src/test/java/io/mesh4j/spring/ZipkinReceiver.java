package io.mesh4j.spring;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.Server;

/**
 * Zipkin's v2 span API on a loopback port, as the telemetry tests receive spans: it keeps every span it is sent, and
 * answers 202 as Zipkin does.
 */
final class ZipkinReceiver implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Queue<JsonNode> spans = new ConcurrentLinkedQueue<>();
    private final Server server;

    ZipkinReceiver() {
        server = Server.builder()
                .http(0)
                .service(
                        "/api/v2/spans",
                        (ctx, req) -> HttpResponse.of(req.aggregate().thenApply(body -> {
                            try {
                                JSON.readTree(body.contentUtf8()).forEach(spans::add);
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                            return HttpResponse.of(HttpStatus.ACCEPTED);
                        })))
                .build();
        server.start().join();
    }

    /** The span API's address, for {@code mesh.telemetry.zipkin-endpoint}. */
    String endpoint() {
        return "http://127.0.0.1:" + server.activeLocalPort() + "/api/v2/spans";
    }

    /** Every span received so far. */
    List<JsonNode> spans() {
        return List.copyOf(spans);
    }

    @Override
    public void close() {
        server.stop().join();
    }
}
