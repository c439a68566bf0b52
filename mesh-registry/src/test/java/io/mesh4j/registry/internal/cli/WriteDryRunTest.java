package io.mesh4j.registry.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.registry.MeshRegistry;

/**
 * {@code --dry-run} on meshctl's writes that are not documents ({@code token create|revoke}, {@code ca rotate},
 * {@code cert revoke}) against a real TLS registry: each checks what it can, says what would happen, in a table and in
 * JSON, and writes nothing: no token is made or revoked, the roots stay, the certificate keeps working.
 */
class WriteDryRunTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ServiceName ORDERS = ServiceName.of("orders");

    @TempDir
    Path dataDir;

    private RegistryForMeshCtl mesh;
    private MeshRegistry registry;
    private RegistryClient admin;
    private StringWriter out;
    private StringWriter err;

    @BeforeEach
    void start() {
        mesh = RegistryForMeshCtl.start(dataDir);
        registry = mesh.registry;
        admin = mesh.admin;
        out = mesh.out;
        err = mesh.err;
    }

    @AfterEach
    void stop() {
        mesh.close();
    }

    @Test
    void tokenCreateDryRunMakesNoToken() throws Exception {
        assertThat(meshctl("token", "create", "--service", "orders", "--uses", "2", "--dry-run"))
                .isZero();
        assertThat(out.toString())
                .contains("dry run: would make a join token for orders, 2 use(s)")
                .contains("nothing was made");
        assertThat(meshctl("token", "create", "--viewer", "--name", "ops", "--dry-run", "-o", "json"))
                .isZero();
        final JsonNode json = JSON.readTree(out.toString());
        assertThat(json.path("dryRun").asBoolean()).isTrue();
        assertThat(json.path("kind").asText()).isEqualTo("viewer");
        assertThat(json.path("name").asText()).isEqualTo("ops");
        assertThat(json.has("token")).isFalse();

        assertThat(admin.tokens().join()).isEmpty();
        assertThat(admin.viewerTokens().join()).isEmpty();
        // The arguments are checked as for the write.
        assertThat(meshctl("token", "create", "--dry-run")).isEqualTo(2);
        assertThat(meshctl("token", "create", "--service", "Not A Service", "--dry-run"))
                .isEqualTo(2);
    }

    @Test
    void tokenRevokeDryRunFindsTheTokenAndLeavesItUsable() throws Exception {
        final IdentityJson.TokenInfo join = admin.createToken(
                        new IdentityJson.TokenRequest(ORDERS, Duration.ofMinutes(10), 1))
                .join();
        final IdentityJson.ViewerTokenInfo viewer = admin.createViewerToken(
                        new IdentityJson.ViewerTokenRequest("ops", Duration.ofHours(1)))
                .join();

        assertThat(meshctl("token", "revoke", join.id(), "--dry-run")).isZero();
        assertThat(out.toString())
                .contains("dry run: join token " + join.id() + " (orders, 1 use(s) left")
                .contains("would be refused from its next use; nothing was revoked");
        assertThat(meshctl("token", "revoke", "--viewer", viewer.id(), "--dry-run", "-o", "json"))
                .isZero();
        final JsonNode json = JSON.readTree(out.toString());
        assertThat(json.path("dryRun").asBoolean()).isTrue();
        assertThat(json.path("kind").asText()).isEqualTo("viewer");
        assertThat(json.path("revokedAlready").asBoolean()).isFalse();
        // An id with no token: exit 1, as the revocation would fail.
        assertThat(meshctl("token", "revoke", "000000000000", "--dry-run")).isEqualTo(1);
        assertThat(err.toString()).contains("no join token 000000000000");

        // Nothing was revoked: both still listed as in force, and the join token still gets a certificate.
        assertThat(admin.viewerTokens().join().get(0).revoked()).isFalse();
        assertThat(admin.tokens().join().get(0).revoked()).isFalse();
        final WorkloadIdentity orders = WorkloadIdentity.builder(registry.uri(), "orders")
                .joinToken(join.token())
                .trustBundle(registry.trustBundlePem())
                .build();
        mesh.closeAfter(orders);
        assertThat(orders.start().join().keyPair().certificateChain()).isNotEmpty();
    }

    @Test
    void caRotateDryRunSaysTheRootsNowAndAfterAndRotatesNothing() throws Exception {
        final String bundle = admin.trustBundle().join();
        assertThat(meshctl("ca", "rotate", "--dry-run")).isZero();
        assertThat(out.toString())
                .contains("dry run: roots now root-1; after: root-1, root-2.")
                .contains("root-2 would be trusted at once")
                .contains("root-1 would retire at about")
                .contains("Nothing was rotated");
        assertThat(meshctl("ca", "rotate", "--dry-run", "-o", "json")).isZero();
        final JsonNode json = JSON.readTree(out.toString());
        assertThat(json.path("dryRun").asBoolean()).isTrue();
        assertThat(json.path("rootsNow").toString()).isEqualTo("[\"root-1\"]");
        assertThat(json.path("rootsAfter").toString()).isEqualTo("[\"root-1\",\"root-2\"]");
        assertThat(admin.trustBundle().join()).isEqualTo(bundle);

        // The dry run did not start one: the rotation itself goes ahead, and the next dry run sees it under way.
        assertThat(meshctl("ca", "rotate")).isZero();
        assertThat(out.toString()).startsWith("root-2 is trusted now");
        assertThat(meshctl("ca", "rotate", "--dry-run")).isEqualTo(1);
        assertThat(err.toString()).contains("a CA rotation is under way until");
    }

    @Test
    void certRevokeDryRunNeedsACertificateInForceAndRevokesNothing() throws Exception {
        assertThat(meshctl("cert", "revoke", "spiffe://mesh.local/svc/orders", "--dry-run"))
                .isEqualTo(1);
        assertThat(err.toString()).contains("no certificate of spiffe://mesh.local/svc/orders is in force");

        final String token = admin.createToken(new IdentityJson.TokenRequest(ORDERS, Duration.ofMinutes(10), 1))
                .join()
                .token();
        final WorkloadIdentity orders = WorkloadIdentity.builder(registry.uri(), "orders")
                .joinToken(token)
                .trustBundle(registry.trustBundlePem())
                .build();
        mesh.closeAfter(orders);
        orders.start().join();
        final String serial =
                orders.keyPair().certificateChain().get(0).getSerialNumber().toString(16);

        assertThat(meshctl("cert", "revoke", "spiffe://mesh.local/svc/orders", "--dry-run"))
                .isZero();
        assertThat(out.toString())
                .contains("dry run: every certificate of spiffe://mesh.local/svc/orders issued up to")
                .contains("would be refused by every member; nothing was revoked");
        assertThat(meshctl("cert", "revoke", serial, "--dry-run", "-o", "json")).isZero();
        final JsonNode json = JSON.readTree(out.toString());
        assertThat(json.path("dryRun").asBoolean()).isTrue();
        assertThat(json.path("spiffeId").asText()).isEqualTo("spiffe://mesh.local/svc/orders");
        assertThat(json.path("revokedAlready").asBoolean()).isFalse();

        assertThat(admin.revocations().join()).isEmpty();
        assertThat(admin.trust().join().revocations()).isEmpty();
    }

    private int meshctl(String... args) {
        return mesh.meshctl(args);
    }
}
