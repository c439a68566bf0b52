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
 * viewer token reads the golden metrics and nothing more.
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
