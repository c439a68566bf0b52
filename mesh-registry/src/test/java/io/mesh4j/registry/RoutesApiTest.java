package io.mesh4j.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.RouteJson;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteMatch;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.core.routing.Subset;
import io.mesh4j.core.routing.WeightedSubset;

/** {@code /v1/routes/{service}}: versioned, watchable, strict, and honest about subsets with no instance. */
class RoutesApiTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");

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

    static RouteConfig split(int v1, int v2) {
        return new RouteConfig(List.of(new RouteRule(
                "split",
                RouteMatch.ALL,
                List.of(
                        new WeightedSubset(new Subset(Map.of("version", "v1")), v1),
                        new WeightedSubset(new Subset(Map.of("version", "v2")), v2)),
                null,
                Duration.ofSeconds(2),
                null,
                null,
                null,
                null,
                null,
                null,
                null)));
    }

    private void register(String id, String version) {
        client.register(
                        ORDERS,
                        InstanceId.of(id),
                        Registration.builder("10.0.0.7", 8080)
                                .metadata(Map.of("version", version))
                                .build())
                .join();
    }

    @Test
    void aConfigIsPutWatchedReplacedAndRemovedAndSurvivesARestart() {
        register("orders-1", "v1");
        register("orders-2", "v2");
        final CompletableFuture<RouteJson.RoutesSnapshot> watch = client.watchRoutes(ORDERS, 0, Duration.ofSeconds(30));

        final RegistryClient.Accepted accepted =
                client.putRoutes(ORDERS, split(90, 10)).join();

        assertThat(accepted.warnings()).isEmpty();
        assertThat(watch.orTimeout(5, TimeUnit.SECONDS).join())
                .isEqualTo(new RouteJson.RoutesSnapshot(accepted.index(), split(90, 10)));
        final long replaced = client.putRoutes(ORDERS, split(50, 50)).join().index();
        assertThat(replaced).isGreaterThan(accepted.index());

        registry.close();
        registry = RegistryContractTest.start(dataDir);
        client = RegistryClient.of(registry.uri());
        assertThat(client.routes(ORDERS).join().routes()).isEqualTo(split(50, 50));

        final long removed = client.deleteRoutes(ORDERS).join();
        assertThat(client.routes(ORDERS).join()).isEqualTo(new RouteJson.RoutesSnapshot(removed, null));
    }

    @Test
    void aSubsetWithNoInstanceIsAcceptedWithAWarning() {
        register("orders-1", "v1");

        final RegistryClient.Accepted accepted =
                client.putRoutes(ORDERS, split(90, 10)).join();

        assertThat(accepted.warnings())
                .containsExactly(
                        "rule 'split': subset {version=v2} matches no instance of orders now; its 10% of requests get 503 "
                                + "until one registers");
        assertThat(client.routes(ORDERS).join().routes()).isEqualTo(split(90, 10));
    }

    @Test
    void aBadConfigIsRefusedNamingTheRuleAndFieldAndTheOneInForceStays() {
        client.putRoutes(ORDERS, split(90, 10)).join();

        final AggregatedHttpResponse refused = WebClient.of(registry.uri())
                .prepare()
                .put("/v1/routes/orders")
                .content(
                        MediaType.JSON_UTF_8,
                        "{\"rules\": [{\"name\": \"canary\", \"route\": ["
                                + "{\"subset\": {\"version\": \"v1\"}, \"weight\": 90},"
                                + "{\"subset\": {\"version\": \"v2\"}, \"weight\": 20}]}]}")
                .execute()
                .aggregate()
                .join();

        assertThat(refused.status()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(refused.contentUtf8())
                .contains("rules[0] ('canary').route: the weights sum to 110 " + "(expected: 100)");
        assertThat(client.routes(ORDERS).join().routes()).isEqualTo(split(90, 10));
    }
}
