package io.mesh4j.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Iterator;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The dashboard's page and stream over a real TLS registry: the page and its assets are public and fetch nothing
 * from elsewhere; the stream answers the admin token and the viewer token with snapshots, and nobody else; the
 * viewer token reads the golden metrics and nothing more; a snapshot holds instances, routes, policies, denials and
 * the CA's roots, and no address, header value or token.
 */
class DashboardTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    private MeshRegistry registry;
    private HttpClient http;

    @BeforeEach
    void start() throws Exception {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .build()
                .start()
                .join();
        final KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        int i = 0;
        for (Certificate root : CertificateFactory.getInstance("X.509")
                .generateCertificates(
                        new ByteArrayInputStream(registry.trustBundlePem().getBytes(StandardCharsets.US_ASCII)))) {
            trusted.setCertificateEntry("root-" + i++, root);
        }
        final TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        final SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, trust.getTrustManagers(), null);
        http = HttpClient.newBuilder()
                .sslContext(tls)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void thePageAndItsAssetsComeFromTheRegistryToAnyoneAndFetchNothingElsewhere() throws Exception {
        final HttpResponse<String> redirect = get("/dashboard", null);
        assertThat(redirect.statusCode()).isEqualTo(307);
        assertThat(redirect.headers().firstValue("location")).hasValue("/dashboard/");

        final HttpResponse<String> page = get("/dashboard/", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("content-type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
        assertThat(page.headers().firstValue("content-security-policy"))
                .hasValueSatisfying(csp -> assertThat(csp).startsWith("default-src 'self'"));
        assertThat(page.body()).contains("dashboard.js", "dashboard.css").doesNotContain("http://", "https://");
        for (String asset : new String[] {"/dashboard/dashboard.js", "/dashboard/dashboard.css"}) {
            final HttpResponse<String> res = get(asset, null);
            assertThat(res.statusCode()).as(asset).isEqualTo(200);
            // The SVG namespace is a name, not a fetch.
            assertThat(res.body().replace("http://www.w3.org/2000/svg", ""))
                    .as(asset)
                    .doesNotContain("http://", "https://");
        }
    }

    @Test
    void theStreamAnswersTheAdminAndViewerTokensWithSnapshotsAndNobodyElse() throws Exception {
        assertThat(get("/v1/dashboard/events", null).statusCode()).isEqualTo(401);
        assertThat(get("/v1/dashboard/events", "not-a-token").statusCode()).isEqualTo(401);

        for (String token : new String[] {token("admin.token"), token("viewer.token")}) {
            final HttpResponse<Stream<String>> stream = http.send(
                    HttpRequest.newBuilder(registry.uri().resolve("/v1/dashboard/events"))
                            .header("Authorization", "Bearer " + token)
                            .build(),
                    HttpResponse.BodyHandlers.ofLines());
            assertThat(stream.statusCode()).isEqualTo(200);
            assertThat(stream.headers().firstValue("content-type"))
                    .hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
            try (Stream<String> lines = stream.body()) {
                final Iterator<String> it = lines.iterator();
                assertThat(it.next()).isEqualTo("event:snapshot");
                final String data = it.next();
                assertThat(data).startsWith("data:");
                final JsonNode snapshot = JSON.readTree(data.substring("data:".length()));
                assertThat(snapshot.path("window").asText()).isEqualTo("60s");
                assertThat(snapshot.path("services").isArray()).isTrue();
                assertThat(snapshot.path("edges").isArray()).isTrue();
                // The next snapshot follows on the same response.
                assertThat(it.next()).isEmpty();
                assertThat(it.next()).isEqualTo("event:snapshot");
            }
        }
    }

    @Test
    void aSnapshotShowsInstancesRoutesPoliciesDenialsAndRootsAndNothingSecret() throws Exception {
        final String admin = token("admin.token");
        // An instance of orders with a zone, a weight and a version label, at an address the page must not show.
        assertThat(send(
                                "PUT",
                                "/v1/services/orders/instances/orders-1",
                                admin,
                                "{\"host\": \"10.9.8.7\", \"port\": 48443, \"zone\": \"zone-a\", \"weight\": 7, "
                                        + "\"metadata\": {\"version\": \"v2\"}, \"ttlSeconds\": 30}")
                        .statusCode())
                .isEqualTo(200);
        // A split, whose rule matches on a header value that may be a credential.
        assertThat(send(
                                "PUT",
                                "/v1/routes/orders",
                                admin,
                                "{\"rules\": [{\"name\": \"canary\", \"match\": {\"headers\": "
                                        + "{\"x-canary\": \"s3cret-header-value\"}}, \"route\": ["
                                        + "{\"weight\": 90, \"subset\": {\"version\": \"v1\"}}, "
                                        + "{\"weight\": 10, \"subset\": {\"version\": \"v2\"}}]}]}")
                        .statusCode())
                .isEqualTo(200);
        assertThat(send("PUT", "/v1/policies/orders", admin, "{\"rules\": [{\"allowCallers\": [\"frontend\"]}]}")
                        .statusCode())
                .isEqualTo(200);
        // orders' server refused intruder three times, and says when its certificate expires.
        assertThat(send(
                                "POST",
                                "/v1/services/orders/metrics",
                                admin,
                                "{\"reporter\": \"r1\", \"certificateExpiresAt\": \"2030-01-02T03:04:05Z\", "
                                        + "\"entries\": [{\"side\": \"server\", \"caller\": \"intruder\", "
                                        + "\"service\": \"orders\", \"route\": \"/orders/{id}\", \"requests\": 3, "
                                        + "\"successes\": 3, \"denials\": 3, \"latency\": [[40, 3]]}]}")
                        .statusCode())
                .isEqualTo(204);

        final String data = firstSnapshot(token("viewer.token"));
        assertThat(data)
                .as("no address, header value or token")
                .doesNotContain("10.9.8.7", "48443", "s3cret-header-value", admin, token("viewer.token"));
        final JsonNode snapshot = JSON.readTree(data);

        final JsonNode instance = snapshot.path("instances").get(0);
        assertThat(instance.path("service").asText()).isEqualTo("orders");
        assertThat(instance.path("id").asText()).isEqualTo("orders-1");
        assertThat(instance.path("zone").asText()).isEqualTo("zone-a");
        assertThat(instance.path("weight").asInt()).isEqualTo(7);
        assertThat(instance.path("labels").path("version").asText()).isEqualTo("v2");
        assertThat(instance.path("ttlSeconds").asLong()).isEqualTo(30);
        assertThat(instance.path("heartbeatAgeSeconds").asDouble()).isBetween(0.0, 30.0);

        final JsonNode routes = snapshot.path("routes").get(0);
        assertThat(routes.path("service").asText()).isEqualTo("orders");
        assertThat(routes.path("index").asLong()).isPositive();
        final JsonNode rule = routes.path("config").path("rules").get(0);
        assertThat(rule.path("name").asText()).isEqualTo("canary");
        assertThat(rule.path("match").path("headers").path("x-canary").asText()).isEqualTo("(redacted)");
        assertThat(rule.path("route").get(0).path("weight").asInt()).isEqualTo(90);
        assertThat(rule.path("route").get(1).path("subset").path("version").asText())
                .isEqualTo("v2");

        final JsonNode policy = snapshot.path("policies").get(0);
        assertThat(policy.path("service").asText()).isEqualTo("orders");
        assertThat(policy.path("policy")
                        .path("rules")
                        .get(0)
                        .path("allowCallers")
                        .get(0)
                        .asText())
                .isEqualTo("frontend");
        assertThat(snapshot.path("meshDefault").asText()).isIn("allow", "deny");

        assertThat(snapshot.path("denialsWindow").asText()).isEqualTo("900s");
        assertThat(snapshot.path("denials")).hasSize(1);
        final JsonNode denial = snapshot.path("denials").get(0);
        assertThat(denial.path("caller").asText()).isEqualTo("intruder");
        assertThat(denial.path("service").asText()).isEqualTo("orders");
        assertThat(denial.path("route").asText()).isEqualTo("/orders/:id");
        assertThat(denial.path("denials").asLong()).isEqualTo(3);
        assertThat(snapshot.path("routeStats").get(0).path("route").asText()).isEqualTo("/orders/:id");

        final JsonNode member = snapshot.path("members").get(0);
        assertThat(member.path("service").asText()).isEqualTo("orders");
        assertThat(member.path("reporter").asText()).isEqualTo("r1");
        assertThat(member.path("certificateExpiresAt").asText()).isEqualTo("2030-01-02T03:04:05Z");

        assertThat(snapshot.path("roots")).hasSize(1);
        final JsonNode root = snapshot.path("roots").get(0);
        assertThat(java.time.Instant.parse(root.path("notAfter").asText())).isAfter(java.time.Instant.now());
        assertThat(root.path("sha256").asText()).matches("([0-9A-F]{2}:){31}[0-9A-F]{2}");
        assertThat(root.path("subject").asText()).isNotEmpty();
    }

    @Test
    void aMemberRunningFromItsLastKnownGoodStateShowsBesideItUntilItsNextReportSaysOtherwise() throws Exception {
        final String admin = token("admin.token");
        // r1 is an older member, which sends no such field; r2 runs from a state older than its budget.
        assertThat(send("POST", "/v1/services/orders/metrics", admin, "{\"reporter\": \"r1\", \"entries\": []}")
                        .statusCode())
                .isEqualTo(204);
        assertThat(send(
                                "POST",
                                "/v1/services/orders/metrics",
                                admin,
                                "{\"reporter\": \"r2\", \"lastKnownGood\": {\"since\": \"2026-12-07T02:40:00Z\", "
                                        + "\"stale\": true}, \"entries\": []}")
                        .statusCode())
                .isEqualTo(204);

        JsonNode members = JSON.readTree(firstSnapshot(token("viewer.token"))).path("members");
        assertThat(members).hasSize(2);
        assertThat(members.get(0).path("reporter").asText()).isEqualTo("r1");
        assertThat(members.get(0).path("lastKnownGood").isNull()).isTrue();
        assertThat(members.get(1).path("reporter").asText()).isEqualTo("r2");
        assertThat(members.get(1).path("lastKnownGood").path("since").asText()).isEqualTo("2026-12-07T02:40:00Z");
        assertThat(members.get(1).path("lastKnownGood").path("stale").asBoolean())
                .isTrue();
        // The same in the golden metrics' members.
        assertThat(JSON.readTree(get("/v1/stats/members", admin).body())
                        .path("members")
                        .get(1)
                        .path("lastKnownGood")
                        .path("stale")
                        .asBoolean())
                .isTrue();

        // r2 hears from the registry again: its next report has no such field, and the dashboard says so.
        assertThat(send("POST", "/v1/services/orders/metrics", admin, "{\"reporter\": \"r2\", \"entries\": []}")
                        .statusCode())
                .isEqualTo(204);
        members = JSON.readTree(firstSnapshot(token("viewer.token"))).path("members");
        assertThat(members.get(1).path("lastKnownGood").isNull()).isTrue();

        // A malformed one is a 400 that says what to send.
        final HttpResponse<String> bad = send(
                "POST",
                "/v1/services/orders/metrics",
                admin,
                "{\"reporter\": \"r3\", \"lastKnownGood\": {\"since\": \"yesterday\", \"stale\": false}, "
                        + "\"entries\": []}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("lastKnownGood.since: 'yesterday'");
    }

    @Test
    void aSnapshotListsAtMostAHundredInstancesOfAServiceAndCountsThemAll() throws Exception {
        final String admin = token("admin.token");
        for (int i = 0; i < 101; i++) {
            assertThat(send(
                                    "PUT",
                                    "/v1/services/orders/instances/orders-" + i,
                                    admin,
                                    "{\"host\": \"127.0.0.1\", \"port\": " + (20000 + i) + ", \"ttlSeconds\": 30}")
                            .statusCode())
                    .isEqualTo(200);
        }
        final JsonNode snapshot = JSON.readTree(firstSnapshot(admin));
        assertThat(snapshot.path("services").get(0).path("instances").asInt()).isEqualTo(101);
        assertThat(snapshot.path("instances")).hasSize(100);
    }

    @Test
    void theViewerTokenReadsTheGoldenMetricsAndNothingElse() throws Exception {
        final String viewer = token("viewer.token");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve("viewer.token"))))
                .isEqualTo("rw-------");
        assertThat(viewer).isNotEqualTo(token("admin.token"));
        assertThat(get("/v1/stats/edges", viewer).statusCode()).isEqualTo(200);
        assertThat(get("/v1/stats/services", viewer).statusCode()).isEqualTo(200);
        // Instances, documents and admin calls are not the viewer's.
        assertThat(get("/v1/services", viewer).statusCode()).isEqualTo(401);
        assertThat(get("/v1/routes/orders", viewer).statusCode()).isEqualTo(401);
        assertThat(get("/v1/check", viewer).statusCode()).isEqualTo(401);
        final HttpResponse<String> write = http.send(
                HttpRequest.newBuilder(registry.uri().resolve("/v1/routes/orders"))
                        .header("Authorization", "Bearer " + viewer)
                        .PUT(HttpRequest.BodyPublishers.ofString("{\"rules\": []}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(write.statusCode()).isEqualTo(401);
        assertThat(write.body()).contains("needs the admin token");
    }

    private HttpResponse<String> send(String method, String path, String token, String body)
            throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(registry.uri().resolve(path))
                        .header("Authorization", "Bearer " + token)
                        .header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The data of the stream's first snapshot. */
    private String firstSnapshot(String token) throws IOException, InterruptedException {
        final HttpResponse<Stream<String>> stream = http.send(
                HttpRequest.newBuilder(registry.uri().resolve("/v1/dashboard/events"))
                        .header("Authorization", "Bearer " + token)
                        .build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(stream.statusCode()).isEqualTo(200);
        try (Stream<String> lines = stream.body()) {
            final Iterator<String> it = lines.iterator();
            assertThat(it.next()).isEqualTo("event:snapshot");
            final String data = it.next();
            assertThat(data).startsWith("data:");
            return data.substring("data:".length());
        }
    }

    private HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
        final HttpRequest.Builder request =
                HttpRequest.newBuilder(registry.uri().resolve(path));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String token(String file) throws IOException {
        return Files.readString(dataDir.resolve(file), StandardCharsets.US_ASCII)
                .strip();
    }
}
