package io.mesh4j.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;

import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.authz.AccessRule;
import io.mesh4j.core.authz.DefaultPolicy;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.PolicyJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.registry.internal.RegistryAccess;

/** The mesh-wide default policy on a real registry: read, changed, heard through the policy watches, kept. */
class DefaultPolicyApiTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");
    private static final ServiceName INVENTORY = ServiceName.of("inventory");
    private static final AccessPolicy FRONTEND_ONLY =
            new AccessPolicy(List.of(new AccessRule(Set.of(), Set.of(), Set.of(ServiceName.of("frontend")))));

    @TempDir
    Path dataDir;

    private MeshRegistry registry;
    private RegistryClient client;

    @BeforeEach
    void start() {
        registry = RegistryContractTest.start(dataDir);
        client = RegistryClient.of(registry.uri());
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void theDefaultIsAllowAndAChangeWakesEveryPolicyWatchAndIsKeptAcrossARestart() {
        assertThat(client.defaultPolicy().join()).isEqualTo(new PolicyJson.DefaultSnapshot(0, DefaultPolicy.ALLOW));
        final long ordersIndex = client.putPolicy(ORDERS, FRONTEND_ONLY).join();
        // One watch of a service with a policy, one of a service without: both hear the new default.
        final CompletableFuture<PolicyJson.PolicySnapshot> ordersWatch =
                client.watchPolicy(ORDERS, ordersIndex, Duration.ofSeconds(30));
        final CompletableFuture<PolicyJson.PolicySnapshot> inventoryWatch =
                client.watchPolicy(INVENTORY, 0, Duration.ofSeconds(30));

        final PolicyJson.DefaultSnapshot deny =
                client.putDefaultPolicy(DefaultPolicy.DENY).join();

        assertThat(deny.defaultPolicy()).isEqualTo(DefaultPolicy.DENY);
        assertThat(deny.index()).isGreaterThan(ordersIndex);
        assertThat(ordersWatch.orTimeout(5, TimeUnit.SECONDS).join())
                .isEqualTo(new PolicyJson.PolicySnapshot(deny.index(), FRONTEND_ONLY, DefaultPolicy.DENY));
        assertThat(inventoryWatch.orTimeout(5, TimeUnit.SECONDS).join())
                .isEqualTo(new PolicyJson.PolicySnapshot(deny.index(), null, DefaultPolicy.DENY));
        // Putting what is in force changes nothing: no new index, no watch woken.
        assertThat(client.putDefaultPolicy(DefaultPolicy.DENY).join()).isEqualTo(deny);
        // A write made from the policy's own index still lands: the default changed, not the policy.
        assertThat(client.putPolicy(ORDERS, FRONTEND_ONLY, ordersIndex).join()).isGreaterThan(deny.index());

        registry.close();
        registry = RegistryContractTest.start(dataDir);
        client = RegistryClient.of(registry.uri());
        assertThat(registry.defaultPolicy()).isEqualTo(DefaultPolicy.DENY);
        assertThat(client.policy(INVENTORY).join().meshDefault()).isEqualTo(DefaultPolicy.DENY);
        assertThat(client.putPolicy(ORDERS, FRONTEND_ONLY).join())
                .as("indexes go on after a restart")
                .isGreaterThan(deny.index() + 1);
    }

    @Test
    void aDefaultChosenAtStartWinsOverTheOneKept() {
        client.putDefaultPolicy(DefaultPolicy.DENY).join();
        registry.close();

        registry = MeshRegistry.builder()
                .plaintext()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .defaultPolicy(DefaultPolicy.ALLOW)
                .build()
                .start()
                .join();
        client = RegistryClient.of(registry.uri());

        assertThat(client.defaultPolicy().join().defaultPolicy()).isEqualTo(DefaultPolicy.ALLOW);
        assertThat(client.policy(ORDERS).join().meshDefault()).isEqualTo(DefaultPolicy.ALLOW);
    }

    @Test
    void aDamagedDefaultFileFailsTheStartRatherThanOpeningTheMesh() throws Exception {
        client.putDefaultPolicy(DefaultPolicy.DENY).join();
        registry.close();
        Files.writeString(dataDir.resolve("default-policy.json"), "{\"index\": 3, \"default\": \"dney\"}");

        assertThatThrownBy(() -> RegistryContractTest.start(dataDir))
                .isInstanceOf(RegistryStartException.class)
                .hasMessageContaining("default-policy.json cannot be read")
                .hasMessageContaining("--default-policy allow|deny");

        registry = MeshRegistry.builder()
                .plaintext()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .defaultPolicy(DefaultPolicy.DENY)
                .build();
        assertThatThrownBy(registry::start)
                .as("the flag does not paper over a damaged file either: the operator restores or removes it")
                .isInstanceOf(RegistryStartException.class);
        Files.delete(dataDir.resolve("default-policy.json"));
        registry = RegistryContractTest.start(dataDir);
        client = RegistryClient.of(registry.uri());
    }

    @Test
    void aServiceSetsItsOwnDefaultAloneOrBesideItsRules() {
        final AccessPolicy denyAlone = PolicyJson.parsePolicy("{\"default\": \"deny\"}".getBytes());
        final AccessPolicy allowBesideRules = PolicyJson.parsePolicy(
                ("{\"default\": \"allow\", \"rules\": [{\"routes\": [\"/admin\"], \"allowCallers\": [\"ops\"]}]}")
                        .getBytes());

        client.putPolicy(ORDERS, denyAlone).join();
        client.putPolicy(INVENTORY, allowBesideRules).join();

        assertThat(client.policy(ORDERS).join().policy()).isEqualTo(new AccessPolicy(List.of(), DefaultPolicy.DENY));
        assertThat(client.policy(INVENTORY).join().policy()).isEqualTo(allowBesideRules);
        assertThat(allowBesideRules.defaultPolicy()).isEqualTo(DefaultPolicy.ALLOW);
    }

    @Test
    void anUnknownDefaultIsRefusedWith400NamingTheAllowedValuesAndNothingChanges() {
        final WebClient raw = WebClient.of(registry.uri());
        final String[][] defaults = {
            {"{\"default\": \"closed\"}", "default: 'closed' (expected: allow or deny)"},
            {"{\"default\": 1}", "default: 1 is not a string (expected: \\\"allow\\\" or \\\"deny\\\")"},
            {"{}", "default: missing (expected: \\\"allow\\\" or \\\"deny\\\")"},
            {"{\"default\": \"deny\", \"scope\": \"mesh\"}", "unknown field 'scope'"},
        };
        for (String[] c : defaults) {
            final AggregatedHttpResponse res = put(raw, "/v1/default-policy", c[0]);
            assertThat(res.status()).as(c[0]).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(res.contentUtf8()).as(c[0]).contains(c[1]);
        }
        final String[][] policies = {
            {"{\"default\": \"maybe\"}", "default: 'maybe' (expected: allow or deny)"},
            {"{}", "rules: missing"},
        };
        for (String[] c : policies) {
            final AggregatedHttpResponse res = put(raw, "/v1/policies/orders", c[0]);
            assertThat(res.status()).as(c[0]).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(res.contentUtf8()).as(c[0]).contains(c[1]);
        }
        assertThat(client.defaultPolicy().join()).isEqualTo(new PolicyJson.DefaultSnapshot(0, DefaultPolicy.ALLOW));
        assertThat(client.policy(ORDERS).join().policy()).isNull();
    }

    @Test
    void onATlsRegistryOnlyTheOperatorChangesTheDefault(@TempDir Path tlsDataDir) {
        try (MeshRegistry tls = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(tlsDataDir)
                .defaultPolicy(DefaultPolicy.DENY)
                .build()
                .start()
                .join()) {
            final AggregatedHttpResponse anonymous = put(
                    WebClient.builder(tls.uri())
                            .factory(ClientFactory.insecure())
                            .build(),
                    "/v1/default-policy",
                    "{\"default\": \"allow\"}");
            assertThat(anonymous.status()).isEqualTo(HttpStatus.UNAUTHORIZED);

            final RegistryClient admin = RegistryAccess.ADMIN_CLIENT.get(tls);
            assertThat(admin.defaultPolicy().join().defaultPolicy()).isEqualTo(DefaultPolicy.DENY);
            assertThat(admin.putDefaultPolicy(DefaultPolicy.ALLOW).join().defaultPolicy())
                    .isEqualTo(DefaultPolicy.ALLOW);
        }
    }

    private static AggregatedHttpResponse put(WebClient client, String path, String body) {
        return client.prepare()
                .put(path)
                .content(MediaType.JSON_UTF_8, body)
                .execute()
                .aggregate()
                .join();
    }
}
