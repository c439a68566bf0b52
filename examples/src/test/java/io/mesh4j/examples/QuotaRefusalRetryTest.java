package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.annotation.Get;

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.annotation.RateLimit;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.QuotaJson;
import io.mesh4j.core.routing.QuotaSpec;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.server.MeshServer;

/**
 * What a mesh client does with a 429, against a real TLS mesh of two instances: the instance's own limit
 * ({@code mesh-limit: instance}) is retried on the other instance; a mesh-wide quota's ({@code mesh-limit:
 * quota}) is the same on every instance and is not.
 */
class QuotaRefusalRetryTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");

    /** The instance whose own limit is one request per ten seconds. */
    public static final class Limited {
        @Get("/work")
        @RateLimit(0.1)
        public String work() {
            return "limited";
        }
    }

    /** The instance without a limit of its own. */
    public static final class Free {
        @Get("/work")
        public String work() {
            return "free";
        }
    }

    @TempDir
    Path dataDir;

    private LocalMesh local;
    private WebClient orders;

    @BeforeEach
    void start() {
        local = LocalMesh.start(dataDir);
        for (Object service : List.of(new Limited(), new Free())) {
            final MeshServer server = MeshServer.builder("orders", local.uri())
                    .identity(local.identity("orders"))
                    .advertisedHost("127.0.0.1")
                    .drainPeriod(Duration.ZERO)
                    .annotatedService(service)
                    .build();
            server.start().join();
            local.closeLater(server);
        }
        final MeshClient mesh = local.closeLater(MeshClient.builder(local.uri())
                .identity(local.identity("frontend"))
                .build());
        mesh.webClient(ORDERS);
        await().atMost(Duration.ofSeconds(5)).until(() -> mesh.endpoints(ORDERS).size() == 2);
        orders = mesh.webClient("orders");
    }

    @AfterEach
    void stop() throws Exception {
        local.close();
    }

    @Test
    void theInstancesOwnLimitIsRetriedOnTheOtherInstance() {
        int limited = 0;
        for (int i = 0; i < 10; i++) {
            final AggregatedHttpResponse res = orders.get("/work").aggregate().join();
            assertThat(res.status()).as("call %s: %s", i, res.contentUtf8()).isEqualTo(HttpStatus.OK);
            limited += res.contentUtf8().equals("limited") ? 1 : 0;
        }
        // The limited instance took at most its one; everything it refused went to the other.
        assertThat(limited).isLessThanOrEqualTo(1);
    }

    @Test
    void aMeshWideQuotaRefusalIsNotRetriedOnAnotherInstance() {
        final RouteConfig config = new RouteConfig(
                List.of(RouteRule.builder("all").build()),
                Set.of(),
                List.of(new QuotaSpec("frontend-work", "all", ServiceName.of("frontend"), 1, Duration.ofSeconds(60))));
        RegistryAccess.ADMIN_CLIENT
                .get(local.registry())
                .putRoutes(ORDERS, config)
                .join();
        // Until a refusal shows the quota in force at both instances.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> orders.get("/work").aggregate().join().status() == HttpStatus.TOO_MANY_REQUESTS);

        final AggregatedHttpResponse res = orders.get("/work").aggregate().join();
        assertThat(res.status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
        assertThat(res.headers().get(QuotaJson.LIMIT_HEADER)).isEqualTo(QuotaJson.LIMIT_QUOTA);
        assertThat(res.contentUtf8()).contains("quota_exceeded");
    }
}
