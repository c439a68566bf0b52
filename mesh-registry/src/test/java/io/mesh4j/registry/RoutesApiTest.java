package io.mesh4j.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
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
import io.mesh4j.core.internal.registry.RegistryException;
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

    @Test
    void aWriteWithTheIndexItReadIsRefusedWith409OnceAnotherWriteCameBetween() {
        final long first = client.putRoutes(ORDERS, split(90, 10)).join().index();
        // Two operators read the config at the same index; one writes first.
        final long read = client.routes(ORDERS).join().index();
        assertThat(read).isEqualTo(first);
        final long theirs = client.putRoutes(ORDERS, split(50, 50), read).join().index();

        final Http http = new Http(registry.uri());
        final AggregatedHttpResponse refused = http.put(
                "/v1/routes/orders?index=" + read, new String(RouteJson.write(split(0, 100)), StandardCharsets.UTF_8));

        assertThat(refused.status()).isEqualTo(HttpStatus.CONFLICT);
        assertThat(refused.headers().get("X-Mesh-Index")).isEqualTo(Long.toString(theirs));
        assertThat(Http.error(refused).error()).isEqualTo("conflict");
        assertThat(Http.error(refused).message())
                .isEqualTo("the route config of orders is at index " + theirs + ", not " + read + ": it changed since "
                        + "you read it, and nothing was written. Read it again (GET /v1/routes/orders), make your "
                        + "change to what is in force, and PUT your config with ?index=" + theirs);
        assertThat(client.routes(ORDERS).join()).isEqualTo(new RouteJson.RoutesSnapshot(theirs, split(50, 50)));

        // The same through the client: a RegistryException that says it is a conflict.
        assertThat(client.putRoutes(ORDERS, split(0, 100), read))
                .failsWithin(Duration.ofSeconds(5))
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .havingCause()
                .isInstanceOfSatisfying(
                        RegistryException.class, e -> assertThat(e.isConflict()).isTrue());
        // With the index in force, it is written.
        assertThat(client.putRoutes(ORDERS, split(0, 100), theirs).join().index())
                .isGreaterThan(theirs);
    }

    @Test
    void indexZeroWritesOnlyAServiceThatNeverHadAConfigAndNoIndexWritesWhateverIsInForce() {
        final long created = client.putRoutes(ORDERS, split(90, 10), 0).join().index();
        assertThat(client.putRoutes(ORDERS, split(50, 50), 0))
                .failsWithin(Duration.ofSeconds(5))
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withMessageContaining("is at index " + created + ", not 0");

        // Without an index, as before: whatever is in force is replaced.
        final long replaced = client.putRoutes(ORDERS, split(50, 50)).join().index();
        assertThat(client.routes(ORDERS).join()).isEqualTo(new RouteJson.RoutesSnapshot(replaced, split(50, 50)));
    }

    @Test
    void aDeleteWithAStaleIndexIsRefusedAndOneWithTheIndexInForceRemoves() {
        final long read = client.putRoutes(ORDERS, split(90, 10)).join().index();
        final long theirs = client.putRoutes(ORDERS, split(50, 50)).join().index();
        final Http http = new Http(registry.uri());

        final AggregatedHttpResponse refused = http.delete("/v1/routes/orders?index=" + read);

        assertThat(refused.status()).isEqualTo(HttpStatus.CONFLICT);
        assertThat(Http.error(refused).message()).contains("is at index " + theirs + ", not " + read, "DELETE again");
        assertThat(client.routes(ORDERS).join().routes()).isEqualTo(split(50, 50));
        final long removed = client.deleteRoutes(ORDERS, theirs).join();
        assertThat(client.routes(ORDERS).join()).isEqualTo(new RouteJson.RoutesSnapshot(removed, null));
    }

    @Test
    void anIndexThatDoesNotParseIsRefusedAndNothingIsWritten() {
        client.putRoutes(ORDERS, split(90, 10)).join();
        final Http http = new Http(registry.uri());

        final AggregatedHttpResponse refused = http.put(
                "/v1/routes/orders?index=-1", new String(RouteJson.write(split(0, 100)), StandardCharsets.UTF_8));

        assertThat(refused.status()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(Http.error(refused).error()).isEqualTo("invalid_query");
        assertThat(client.routes(ORDERS).join().routes()).isEqualTo(split(90, 10));
    }
}
