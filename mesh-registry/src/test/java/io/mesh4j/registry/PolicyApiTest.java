package io.mesh4j.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
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
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;

import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.authz.AccessRule;
import io.mesh4j.core.authz.DefaultPolicy;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.PolicyJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.registry.internal.RegistryAccess;

/** {@code /v1/policies/{service}}: put, read, watch, remove, and every bad policy refused with nothing changed. */
class PolicyApiTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");
    private static final AccessPolicy FRONTEND_READS = new AccessPolicy(List.of(
            new AccessRule(Set.of("/orders/{id}"), Set.of(HttpMethod.GET), Set.of(ServiceName.of("frontend")))));

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
    void aPolicyIsPutReadWatchedAndRemovedAndSurvivesARestart() {
        assertThat(client.policy(ORDERS).join()).isEqualTo(new PolicyJson.PolicySnapshot(0, null, DefaultPolicy.ALLOW));
        final CompletableFuture<PolicyJson.PolicySnapshot> watch =
                client.watchPolicy(ORDERS, 0, Duration.ofSeconds(30));

        final long index = client.putPolicy(ORDERS, FRONTEND_READS).join();

        assertThat(watch.orTimeout(5, TimeUnit.SECONDS).join())
                .isEqualTo(new PolicyJson.PolicySnapshot(index, FRONTEND_READS, DefaultPolicy.ALLOW));
        registry.close();
        registry = RegistryContractTest.start(dataDir);
        client = RegistryClient.of(registry.uri());
        assertThat(client.policy(ORDERS).join().policy()).isEqualTo(FRONTEND_READS);

        final long removed = client.deletePolicy(ORDERS).join();
        assertThat(client.policy(ORDERS).join())
                .isEqualTo(new PolicyJson.PolicySnapshot(removed, null, DefaultPolicy.ALLOW));
        assertThat(removed).isGreaterThan(index);
    }

    @Test
    void aBadPolicyIsRefusedWithAMessageAndTheOneInForceStays() {
        client.putPolicy(ORDERS, FRONTEND_READS).join();
        final WebClient raw = WebClient.of(registry.uri());
        final String[][] cases = {
            {"{\"rules\": [{\"allowCallers\": [\"frontend\"]}", "cut short"},
            {"{\"rules\": {}}", "rules: not an array"},
            {"{\"rules\": [], \"extra\": 1}", "unknown field 'extra'"},
            {"{\"rules\": [{\"routes\": [\"/orders\"], \"allowCallers\": []}]}", "rules[0].allowCallers: empty"},
            {"{\"rules\": [{\"methods\": [\"FETCH\"], \"allowCallers\": [\"frontend\"]}]}", "rules[0].methods: 'FETCH'"
            },
            {"{\"rules\": [{\"allowCallers\": [\"Front End\"]}]}", "rules[0].allowCallers: service name"},
            {"{\"rules\": [{\"routes\": [\"orders\"], \"allowCallers\": [\"frontend\"]}]}", "rules[0].routes: 'orders'"
            },
            {"{\"rules\": [{\"allowcallers\": [\"frontend\"]}]}", "unknown field 'allowcallers'"},
        };
        for (String[] c : cases) {
            final AggregatedHttpResponse res = raw.prepare()
                    .put("/v1/policies/orders")
                    .content(MediaType.JSON_UTF_8, c[0])
                    .execute()
                    .aggregate()
                    .join();
            assertThat(res.status()).as(c[0]).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(res.contentUtf8()).as(c[0]).contains(c[1]);
        }
        assertThat(client.policy(ORDERS).join().policy()).isEqualTo(FRONTEND_READS);
    }

    @Test
    void onATlsRegistryOnlyTheOperatorPutsPolicies(@TempDir Path tlsDataDir) {
        try (MeshRegistry tls = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(tlsDataDir)
                .build()
                .start()
                .join()) {
            final RegistryClient admin = RegistryAccess.ADMIN_CLIENT.get(tls);
            admin.putPolicy(ORDERS, FRONTEND_READS).join();
            assertThat(admin.policy(ORDERS).join().policy()).isEqualTo(FRONTEND_READS);

            final AggregatedHttpResponse anonymous = WebClient.builder(tls.uri())
                    .factory(ClientFactory.insecure())
                    .build()
                    .prepare()
                    .put("/v1/policies/orders")
                    .content(MediaType.JSON_UTF_8, PolicyJson.writePolicy(new AccessPolicy(List.of())))
                    .execute()
                    .aggregate()
                    .join();
            assertThat(anonymous.status()).isEqualTo(HttpStatus.UNAUTHORIZED);
            assertThat(new String(anonymous.content().array(), StandardCharsets.UTF_8))
                    .contains("needs the admin token");
            assertThat(admin.policy(ORDERS).join().policy()).isEqualTo(FRONTEND_READS);
        }
    }

    @Test
    void aPolicyWrittenWithAStaleIndexIsRefusedWith409AndTheOneInForceStays() {
        final long read = client.putPolicy(ORDERS, FRONTEND_READS).join();
        final AccessPolicy nobody = new AccessPolicy(List.of());
        final long theirs = client.putPolicy(ORDERS, nobody, read).join();
        final WebClient raw = WebClient.of(registry.uri());

        final AggregatedHttpResponse refused = raw.prepare()
                .put("/v1/policies/orders?index=" + read)
                .content(MediaType.JSON_UTF_8, PolicyJson.writePolicy(FRONTEND_READS))
                .execute()
                .aggregate()
                .join();

        assertThat(refused.status()).isEqualTo(HttpStatus.CONFLICT);
        assertThat(refused.headers().get("X-Mesh-Index")).isEqualTo(Long.toString(theirs));
        assertThat(refused.contentUtf8())
                .contains("\"error\":\"conflict\"")
                .contains("the access policy of orders is at index " + theirs + ", not " + read)
                .contains("GET /v1/policies/orders");
        assertThat(client.policy(ORDERS).join())
                .isEqualTo(new PolicyJson.PolicySnapshot(theirs, nobody, DefaultPolicy.ALLOW));
        assertThat(client.deletePolicy(ORDERS, read))
                .failsWithin(Duration.ofSeconds(5))
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withMessageContaining("409 conflict");
        assertThat(client.deletePolicy(ORDERS, theirs).join()).isGreaterThan(theirs);
    }
}
