package io.mesh4j.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mesh4j.registry.internal.cli.MeshCtl;
import picocli.CommandLine;

/**
 * Viewer tokens that the operator makes with meshctl, against a real TLS registry: each opens the golden metrics and
 * nothing else, outlives a restart, is listed without its secret, and once expired or revoked is a 401 that says so;
 * the registry's own viewer.token keeps working beside them.
 */
class ViewerTokensTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    private final MutableClock clock = new MutableClock();
    private MeshRegistry registry;
    private HttpClient http;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void start() throws Exception {
        registry = startRegistry();
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

    private MeshRegistry startRegistry() {
        return MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .clock(clock)
                .build()
                .start()
                .join();
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void aViewerTokenReadsTheMetricsUntilItExpiresAndOutlivesARestart() throws Exception {
        assertThat(meshctl("token", "create", "--viewer", "--name", "alice", "--ttl", "1h"))
                .isZero();
        final String alice = out.toString().strip();
        assertThat(alice).startsWith("viewer.");
        assertThat(err.toString()).contains("viewer token ").contains("(alice): read-only, until");

        assertThat(get("/v1/stats/edges", alice).statusCode()).isEqualTo(200);
        // Nothing but what the viewer may read.
        assertThat(get("/v1/services", alice).statusCode()).isEqualTo(401);
        assertThat(get("/v1/check", alice).statusCode()).isEqualTo(401);
        assertThat(get("/v1/admin/viewer-tokens", alice).body()).contains("needs the admin token");

        // Listed without its secret, here and on disk.
        assertThat(meshctl("token", "list", "--viewer", "-o", "json")).isZero();
        final JsonNode listed = JSON.readTree(out.toString()).path("tokens");
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).path("name").asText()).isEqualTo("alice");
        assertThat(listed.get(0).has("token")).isFalse();
        assertThat(listed.get(0).path("expired").asBoolean()).isFalse();
        final String secret = alice.substring(alice.lastIndexOf('.') + 1);
        assertThat(out.toString()).doesNotContain(secret);
        assertThat(Files.readString(dataDir.resolve("viewer-tokens.json"))).doesNotContain(secret);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve("viewer-tokens.json"))))
                .isEqualTo("rw-------");

        // A restart keeps it, and the registry's own viewer token beside it.
        registry.close();
        registry = startRegistry();
        assertThat(get("/v1/stats/edges", alice).statusCode()).isEqualTo(200);
        final String legacy = Files.readString(dataDir.resolve("viewer.token")).strip();
        assertThat(get("/v1/stats/edges", legacy).statusCode()).isEqualTo(200);

        // Past its end: a 401 that says it expired and how to get another.
        clock.advance(Duration.ofHours(2));
        final HttpResponse<String> expired = get("/v1/stats/edges", alice);
        assertThat(expired.statusCode()).isEqualTo(401);
        assertThat(expired.body()).contains("(alice) expired at").contains("meshctl token create --viewer");
        assertThat(meshctl("token", "list", "--viewer")).isZero();
        assertThat(out.toString()).containsPattern("alice +yes +no ");
    }

    @Test
    void aRevokedViewerTokenIsRefusedAndOnlyTheAdminMakesOne() throws Exception {
        assertThat(meshctl("token", "create", "--viewer", "--name", "wall-screen", "-o", "json"))
                .isZero();
        final JsonNode made = JSON.readTree(out.toString());
        final String token = made.path("token").asText();
        assertThat(get("/v1/stats/services", token).statusCode()).isEqualTo(200);
        assertThat(meshctl("token", "revoke", "--viewer", made.path("id").asText()))
                .isZero();
        final HttpResponse<String> revoked = get("/v1/stats/services", token);
        assertThat(revoked.statusCode()).isEqualTo(401);
        assertThat(revoked.body()).contains("(wall-screen) was revoked");
        assertThat(meshctl("token", "revoke", "--viewer", "000000000000")).isEqualTo(1);
        assertThat(err.toString()).contains("no viewer token 000000000000");

        // Only the admin token makes one; a viewer token does not make another.
        final HttpResponse<String> byViewer = http.send(
                HttpRequest.newBuilder(registry.uri().resolve("/v1/admin/viewer-tokens"))
                        .header(
                                "Authorization",
                                "Bearer "
                                        + Files.readString(dataDir.resolve("viewer.token"))
                                                .strip())
                        .POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"sneaky\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(byViewer.statusCode()).isEqualTo(401);

        // Bad input: one line, nothing made.
        assertThat(meshctl("token", "create", "--viewer", "--service", "orders"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("give --service SERVICE (a join token) or --viewer");
        assertThat(meshctl("token", "create", "--viewer", "--name", "two words"))
                .isEqualTo(1);
        assertThat(err.toString()).contains("name: 'two words'");
        assertThat(meshctl("token", "create", "--viewer", "--ttl", "400d")).isNotZero();
        assertThat(meshctl("token", "list", "--viewer", "-o", "json")).isZero();
        assertThat(JSON.readTree(out.toString()).path("tokens")).hasSize(1);

        // Without any token, the 401 of a viewer-readable endpoint says which tokens open it.
        final HttpResponse<String> none = get("/v1/stats/services", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.body()).contains("needs a viewer token (meshctl token create --viewer");
    }

    private HttpResponse<String> get(String path, String token) throws Exception {
        final HttpRequest.Builder request =
                HttpRequest.newBuilder(registry.uri().resolve(path)).timeout(Duration.ofSeconds(5));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private int meshctl(String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        final List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--registry", registry.uri().toString(), "--data-dir", dataDir.toString()));
        final CommandLine commandLine = MeshCtl.commandLine(Map.of());
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(all.toArray(String[]::new));
    }
}
