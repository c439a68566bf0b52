package io.mesh4j.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpRequestWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.ErrorBody;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.InstancesSnapshot;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.ServiceSummary;

/**
 * Every bad input answers its 4xx with the JSON error body and a message that says what to change, stores nothing,
 * and leaves the registry serving. One registry serves them all, holding one instance that must stay as it is.
 */
class BadInputTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");
    private static final Registration SEED =
            Registration.builder("10.0.0.7", 8080).build();
    private static final String INSTANCE = "/v1/services/orders/instances/orders-1";
    private static final String GOOD = "{\"host\":\"10.0.0.8\",\"port\":8080}";

    @TempDir
    static Path dataDir;

    private static MeshRegistry registry;
    private static RegistryClient client;
    private static Http http;
    private static InstancesSnapshot seeded;
    private static long logSize;

    @BeforeAll
    static void start() throws Exception {
        registry = RegistryContractTest.start(dataDir);
        client = RegistryClient.of(registry.uri());
        http = new Http(registry.uri());
        client.register(ORDERS, InstanceId.of("orders-1"), SEED).join();
        seeded = client.instances(ORDERS).join();
        logSize = Files.size(dataDir.resolve("registry.log"));
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    @AfterEach
    void nothingWasStoredAndTheRegistryStillServes() throws Exception {
        assertThat(http.get("/healthz").status()).isEqualTo(HttpStatus.OK);
        assertThat(client.instances(ORDERS).join()).isEqualTo(seeded);
        assertThat(client.services().join()).containsExactly(new ServiceSummary(ORDERS, 1, seeded.index()));
        assertThat(Files.size(dataDir.resolve("registry.log"))).isEqualTo(logSize);
    }

    static Stream<Arguments> badRequests() {
        return Stream.of(
                // Names in the path.
                bad("PUT", "/v1/services/Orders/instances/orders-1", GOOD, 400, "invalid_name", "service name"),
                bad(
                        "PUT",
                        "/v1/services/" + "a".repeat(64) + "/instances/orders-1",
                        GOOD,
                        400,
                        "invalid_name",
                        "at most 63"),
                bad("PUT", "/v1/services/order_s/instances/orders-1", GOOD, 400, "invalid_name", "DNS-1123"),
                bad("PUT", "/v1/services/-orders/instances/orders-1", GOOD, 400, "invalid_name", "service name"),
                bad("PUT", "/v1/services/orders/instances/orders%201", GOOD, 400, "invalid_name", "instance id"),
                bad("PUT", "/v1/services/orders/instances/a%2Fb", GOOD, 400, "invalid_name", "instance id"),
                bad("PUT", "/v1/services/orders/instances/" + "i".repeat(129), GOOD, 400, "invalid_name", "1 to 128"),
                bad("PUT", "/v1/services/Orders/instances/orders-1/heartbeat", "", 400, "invalid_name", "service name"),
                bad(
                        "PUT",
                        "/v1/services/orders/instances/orders%211/heartbeat",
                        "",
                        400,
                        "invalid_name",
                        "instance id"),
                bad("DELETE", "/v1/services/ORDERS/instances/orders-1", "", 400, "invalid_name", "service name"),
                bad("DELETE", "/v1/services/orders/instances/orders%2A1", "", 400, "invalid_name", "instance id"),
                bad("GET", "/v1/services/Orders/instances", "", 400, "invalid_name", "service name"),
                // Bodies that are not one JSON object.
                bad("PUT", INSTANCE, "", 400, "invalid_json", "empty"),
                bad("PUT", INSTANCE, "{\"host\":\"10.0.0.8\",\"port\":", 400, "invalid_json", "cut short"),
                bad("PUT", INSTANCE, "{\"host\":\"10.0.0.8\"", 400, "invalid_json", "cut short"),
                bad("PUT", INSTANCE, "host=10.0.0.8&port=8080", 400, "invalid_json", "not valid JSON"),
                bad("PUT", INSTANCE, "[{\"host\":\"10.0.0.8\",\"port\":8080}]", 400, "invalid_json", "array"),
                bad("PUT", INSTANCE, "\"10.0.0.8:8080\"", 400, "invalid_json", "string"),
                bad("PUT", INSTANCE, "null", 400, "invalid_json", "expected"),
                bad("PUT", INSTANCE, GOOD + GOOD, 400, "invalid_json", "not valid JSON"),
                bad("PUT", INSTANCE, "{\"host\":\"a\",\"host\":\"b\",\"port\":1}", 400, "invalid_json", "host"),
                // Past the parser's limits, where it knows no line or column to name.
                bad(
                        "PUT",
                        INSTANCE,
                        "{\"a\":".repeat(1_001) + "1" + "}".repeat(1_001),
                        400,
                        "invalid_json",
                        "nesting depth"),
                bad(
                        "PUT",
                        INSTANCE,
                        "{\"host\":\"10.0.0.8\",\"port\":" + "9".repeat(60_000) + "}",
                        400,
                        "invalid_json",
                        "not valid JSON"),
                // Fields.
                bad(
                        "PUT",
                        INSTANCE,
                        "{\"host\":\"10.0.0.8\",\"port\":8080,\"ttlSecond\":5}",
                        400,
                        "unknown_field",
                        "ttlSecond"),
                bad("PUT", INSTANCE, "{\"port\":8080}", 400, "invalid_field", "host: missing"),
                bad("PUT", INSTANCE, "{\"host\":\"10.0.0.8\"}", 400, "invalid_field", "port: missing"),
                bad(
                        "PUT",
                        INSTANCE,
                        "{\"host\":\"10.0.0.8\",\"port\":\"8080\"}",
                        400,
                        "invalid_field",
                        "port: \"8080\" is a string (expected: an integer)"),
                bad("PUT", INSTANCE, "{\"host\":\"10.0.0.8\",\"port\":80.5}", 400, "invalid_field", "port"),
                bad("PUT", INSTANCE, "{\"host\":8,\"port\":8080}", 400, "invalid_field", "host"),
                bad("PUT", INSTANCE, "{\"host\":\"not a host\",\"port\":8080}", 400, "invalid_field", "host"),
                bad(
                        "PUT",
                        INSTANCE,
                        "{\"host\":\"10.0.0.8\",\"port\":8080,\"metadata\":{\"v\":1}}",
                        400,
                        "invalid_field",
                        "metadata.v"),
                bad(
                        "PUT",
                        INSTANCE,
                        "{\"host\":\"10.0.0.8\",\"port\":8080,\"metadata\":[]}",
                        400,
                        "invalid_field",
                        "metadata"),
                bad(
                        "PUT",
                        INSTANCE,
                        "{\"host\":\"10.0.0.8\",\"port\":8080,\"weight\":0}",
                        400,
                        "invalid_field",
                        "weight"),
                bad(
                        "PUT",
                        INSTANCE,
                        "{\"host\":\"10.0.0.8\",\"port\":8080,\"zone\":\"eu west\"}",
                        400,
                        "invalid_field",
                        "zone"),
                bad(
                        "PUT",
                        INSTANCE,
                        "{\"host\":\"10.0.0.8\",\"port\":0}",
                        400,
                        "invalid_field",
                        "port: 0 (expected: 1..65535)"),
                bad(
                        "PUT",
                        INSTANCE,
                        "{\"host\":\"10.0.0.8\",\"port\":65536}",
                        400,
                        "invalid_field",
                        "port: 65536 (expected: 1..65535)"),
                bad("PUT", INSTANCE, "{\"host\":\"10.0.0.8\",\"port\":-1}", 400, "invalid_field", "port"),
                bad(
                        "PUT",
                        INSTANCE,
                        "{\"host\":\"10.0.0.8\",\"port\":8080,\"ttlSeconds\":-5}",
                        400,
                        "invalid_field",
                        "ttlSeconds: -5"),
                bad(
                        "PUT",
                        INSTANCE,
                        "{\"host\":\"10.0.0.8\",\"port\":8080,\"ttlSeconds\":0}",
                        400,
                        "invalid_field",
                        "ttlSeconds"),
                bad(
                        "PUT",
                        INSTANCE,
                        "{\"host\":\"10.0.0.8\",\"port\":8080,\"ttlSeconds\":99999999999}",
                        400,
                        "invalid_field",
                        "ttlSeconds"),
                bad(
                        "PUT",
                        INSTANCE,
                        "{\"host\":\"10.0.0.8\",\"port\":8080,\"ttlSeconds\":1e9}",
                        400,
                        "invalid_field",
                        "ttlSeconds"),
                // Query parameters of a watch.
                bad("GET", "/v1/services/orders/instances?wait=forever", "", 400, "invalid_query", "wait"),
                bad("GET", "/v1/services/orders/instances?wait=30", "", 400, "invalid_query", "such as 30s"),
                bad("GET", "/v1/services/orders/instances?wait=11m", "", 400, "invalid_query", "at most 10m"),
                bad("GET", "/v1/services/orders/instances?wait=", "", 400, "invalid_query", "wait"),
                bad("GET", "/v1/services/orders/instances?index=-1", "", 400, "invalid_query", "index"),
                bad("GET", "/v1/services/orders/instances?index=abc", "", 400, "invalid_query", "whole number"),
                // Size, paths and methods.
                bad(
                        "PUT",
                        INSTANCE,
                        "{\"host\":\"10.0.0.8\",\"port\":8080,\"zone\":\"" + "x".repeat(70_000) + "\"}",
                        413,
                        "body_too_large",
                        "64 KiB"),
                bad("GET", "/v1/service", "", 404, "not_found", "/v1/services/{service}/instances"),
                bad("GET", "/v1/services/orders/instances/orders-1/beat", "", 404, "not_found", "no such path"),
                bad("POST", INSTANCE, GOOD, 405, "method_not_allowed", "DELETE, PUT"),
                bad("GET", INSTANCE, "", 405, "method_not_allowed", "DELETE, PUT"),
                bad("GET", "/v1/services/orders/instances/orders-1/heartbeat", "", 405, "method_not_allowed", "PUT"),
                bad("DELETE", "/v1/services", "", 405, "method_not_allowed", "GET"),
                bad("PUT", "/v1/services/orders/instances", GOOD, 405, "method_not_allowed", "GET"));
    }

    private static Arguments bad(String method, String path, String body, int status, String code, String messagePart) {
        return Arguments.of(
                method + ' ' + abbreviate(path) + ' ' + abbreviate(body),
                method,
                path,
                body,
                status,
                code,
                messagePart);
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void badInputAnswersItsStatusAndSaysWhatToChange(
            String name, String method, String path, String body, int status, String code, String messagePart) {
        final AggregatedHttpResponse res = http.send(HttpMethod.valueOf(method), path, body);

        assertThat(res.status().code()).isEqualTo(status);
        assertThat(res.contentType()).isEqualTo(MediaType.JSON_UTF_8);
        final ErrorBody error = Http.error(res);
        assertThat(error.error()).isEqualTo(code);
        assertThat(error.message()).contains(messagePart);
    }

    @Test
    void aStreamedBodyOverTheLimitAnswersBodyTooLarge() {
        // No content-length: the limit is found while the body streams in, not from the headers.
        final HttpRequestWriter request = HttpRequest.streaming(RequestHeaders.of(HttpMethod.PUT, INSTANCE));
        final CompletableFuture<AggregatedHttpResponse> answer =
                WebClient.of(registry.uri()).execute(request).aggregate();
        for (int i = 0; i < 20 && request.isOpen(); i++) {
            request.tryWrite(HttpData.ofUtf8("x".repeat(8192)));
        }
        request.close();
        final AggregatedHttpResponse res = answer.join();

        assertThat(res.status()).isEqualTo(HttpStatus.REQUEST_ENTITY_TOO_LARGE);
        assertThat(Http.error(res).error()).isEqualTo("body_too_large");
    }

    @Test
    void aBodyOfExactlyTheLimitIsReadAndJudgedOnItsContent() {
        final String head = "{\"zone\":\"";
        final String tail = "\"," + GOOD.substring(1);
        final String body = head + "x".repeat(64 * 1024 - head.length() - tail.length()) + tail;
        assertThat(body).hasSize(64 * 1024);

        final AggregatedHttpResponse res = http.put(INSTANCE, body);

        assertThat(res.status()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(Http.error(res).error()).isEqualTo("invalid_field");
        assertThat(Http.error(res).message()).contains("zone");
    }

    @Test
    void everyErrorCodeUsedIsOneTheContractNames() {
        final List<String> codes = badRequests()
                .map(arguments -> (String) arguments.get()[5])
                .distinct()
                .toList();
        assertThat(codes)
                .allMatch(code -> Stream.of(ErrorCode.values())
                        .anyMatch(known -> known.wireName().equals(code)));
    }
}
