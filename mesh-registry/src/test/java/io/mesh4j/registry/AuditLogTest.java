package io.mesh4j.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.authz.AccessRule;
import io.mesh4j.core.authz.DefaultPolicy;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.RegistryException;
import io.mesh4j.registry.internal.RegistryAccess;

/**
 * The audit log against a real TLS registry on loopback: every admin action is one line in
 * {@code <data-dir>/audit.log}, with who, from where and what came of it, refusals included, and nothing secret
 * (issue 16).
 */
class AuditLogTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private MeshRegistry registry;
    private RegistryClient admin;
    private WebClient http;
    private String adminToken;

    @BeforeEach
    void start() throws Exception {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .build()
                .start()
                .join();
        toClose.add(registry);
        admin = RegistryAccess.ADMIN_CLIENT.get(registry);
        adminToken = Files.readString(dataDir.resolve("admin.token")).strip();
        final ClientFactory factory = ClientFactory.builder().tlsNoVerify().build();
        toClose.add(factory);
        http = WebClient.builder(registry.uri()).factory(factory).build();
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private List<JsonNode> entries() throws Exception {
        final List<JsonNode> entries = new ArrayList<>();
        for (String line : Files.readAllLines(dataDir.resolve("audit.log"))) {
            entries.add(JSON.readTree(line));
        }
        return entries;
    }

    private String adminCaller() throws Exception {
        final String hash = java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(adminToken.getBytes(StandardCharsets.US_ASCII)));
        return "admin token sha256:" + hash.substring(0, 16);
    }

    @Test
    void everyAdminActionIsOneLineWithWhoFromWhereAndWhatCameOfIt() throws Exception {
        final Instant before = Instant.now().minusSeconds(1);
        final IdentityJson.TokenInfo made = admin.createToken(
                        new IdentityJson.TokenRequest(ORDERS, Duration.ofHours(1), 1))
                .join();
        admin.tokens().join();
        admin.revokeToken(made.id()).join();
        admin.putRoutes(ORDERS, RoutesApiTest.split(90, 10)).join();
        admin.deleteRoutes(ORDERS).join();
        admin.putPolicy(
                        ORDERS,
                        new AccessPolicy(List.of(
                                new AccessRule(Set.of("/orders"), Set.of(), Set.of(ServiceName.of("frontend"))))))
                .join();
        admin.deletePolicy(ORDERS).join();
        admin.rotateCa().join();
        admin.revocations().join();
        admin.putDefaultPolicy(DefaultPolicy.DENY).join();

        final List<JsonNode> entries = entries();
        assertThat(entries)
                .extracting(e -> e.path("action").asText())
                .containsExactly(
                        "token.create",
                        "token.list",
                        "token.revoke",
                        "routes.put",
                        "routes.delete",
                        "policy.put",
                        "policy.delete",
                        "ca.rotate",
                        "cert.list",
                        "policy.default");
        assertThat(entries)
                .extracting(e -> e.path("target").asText())
                .containsExactly(
                        "token " + made.id() + " of service orders",
                        "join tokens",
                        "token " + made.id(),
                        "service orders",
                        "service orders",
                        "service orders",
                        "service orders",
                        "the CA",
                        "revocations",
                        "the mesh-wide default policy");
        final String caller = adminCaller();
        assertThat(entries).allSatisfy(e -> {
            assertThat(e.path("caller").asText()).isEqualTo(caller);
            assertThat(e.path("remote").asText()).isEqualTo("127.0.0.1");
            assertThat(e.path("result").asText()).isEqualTo("ok");
            assertThat(e.has("reason")).isFalse();
            assertThat(Instant.parse(e.path("time").asText())).isAfter(before);
        });

        final String file = Files.readString(dataDir.resolve("audit.log"));
        assertThat(file).doesNotContain(adminToken).doesNotContain(made.token());
        assertThat(file).doesNotContain(made.token().substring(made.token().indexOf('.') + 1));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve("audit.log"))))
                .isEqualTo("rw-------");
    }

    @Test
    void aRefusedAdminCallIsRecordedAsRefusedWithItsReasonAndNotTheTokenItSent() throws Exception {
        final String wrong = "not-the-admin-token-but-a-guess-of-32-chars";
        final AggregatedHttpResponse res = http.execute(
                        RequestHeaders.builder(HttpMethod.POST, "/v1/admin/tokens")
                                .contentType(MediaType.JSON_UTF_8)
                                .set(HttpHeaderNames.AUTHORIZATION, "Bearer " + wrong)
                                .build(),
                        "{\"service\": \"orders\"}")
                .aggregate()
                .join();
        assertThat(res.status().code()).isEqualTo(401);
        // Refused for what was sent, by the right caller: still a line, with the registry's reason.
        assertThatThrownBy(() -> admin.createToken(new IdentityJson.TokenRequest(ORDERS, Duration.ofDays(400), 1))
                        .join())
                .hasCauseInstanceOf(RegistryException.class);

        final List<JsonNode> entries = entries();
        assertThat(entries).hasSize(2);
        final JsonNode unauthenticated = entries.get(0);
        assertThat(unauthenticated.path("action").asText()).isEqualTo("token.create");
        assertThat(unauthenticated.path("caller").asText())
                .isEqualTo("unauthenticated (a token that is not the admin token)");
        assertThat(unauthenticated.path("remote").asText()).isEqualTo("127.0.0.1");
        assertThat(unauthenticated.path("result").asText()).isEqualTo("refused");
        assertThat(unauthenticated.path("reason").asText()).contains("needs the admin token");
        final JsonNode invalid = entries.get(1);
        assertThat(invalid.path("caller").asText()).isEqualTo(adminCaller());
        assertThat(invalid.path("result").asText()).isEqualTo("refused");
        assertThat(invalid.path("reason").asText()).contains("ttlSeconds");
        assertThat(Files.readString(dataDir.resolve("audit.log"))).doesNotContain(wrong);
    }

    @Test
    void anAdminCallIsRefusedWith503AndNotDoneWhileTheAuditLogCannotBeWritten() throws Exception {
        final Path log = dataDir.resolve("audit.log");
        Files.deleteIfExists(log);
        // A directory where the file should be: no process, root or not, can append to it.
        Files.createDirectory(log);

        assertThatThrownBy(() -> admin.createToken(new IdentityJson.TokenRequest(ORDERS, Duration.ofHours(1), 1))
                        .join())
                .satisfies(e -> {
                    final RegistryException refusal = (RegistryException) e.getCause();
                    assertThat(refusal.status()).isEqualTo(503);
                    assertThat(refusal.body().message()).contains("audit log").contains("token.create was not done");
                });
        Files.delete(log);
        assertThat(admin.tokens().join()).isEmpty();

        admin.createToken(new IdentityJson.TokenRequest(ORDERS, Duration.ofHours(1), 1))
                .join();
        assertThat(entries()).extracting(e -> e.path("action").asText()).containsExactly("token.list", "token.create");
    }

    @Test
    void anInstanceWrittenWithTheAdminTokenIsAuditedButAWorkloadsOwnWritesAreNot() throws Exception {
        final AggregatedHttpResponse res = http.execute(
                        RequestHeaders.builder(HttpMethod.PUT, "/v1/services/orders/instances/orders-1")
                                .contentType(MediaType.JSON_UTF_8)
                                .set(HttpHeaderNames.AUTHORIZATION, "Bearer " + adminToken)
                                .build(),
                        "{\"host\": \"127.0.0.1\", \"port\": 8080}")
                .aggregate()
                .join();
        assertThat(res.status().code()).isEqualTo(200);

        assertThat(entries()).singleElement().satisfies(e -> {
            assertThat(e.path("action").asText()).isEqualTo("instance.register");
            assertThat(e.path("target").asText()).isEqualTo("instance orders-1 of service orders");
            assertThat(e.path("result").asText()).isEqualTo("ok");
        });
    }
}
