package io.mesh4j.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.identity.IdentityAccess;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.core.internal.registry.QuotaJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.RegistryException;
import io.mesh4j.core.internal.registry.RouteJson;
import io.mesh4j.core.routing.QuotaSpec;
import io.mesh4j.registry.internal.RegistryAccess;

/**
 * Mesh-wide quotas at the registry: their syntax in the route config (bad ones refused whole, naming the quota and
 * the field), the leases it divides by demand among their holders, expiry and release, and who may lease.
 */
class QuotaApiTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");
    private static final String CONFIG = "{\"rules\": [{\"name\": \"charge\", \"match\": {\"path\": {\"exact\": "
            + "\"/charge\"}}}, {\"name\": \"rest\"}], \"quotas\": [%s]}";

    @TempDir
    Path dataDir;

    private final MutableClock clock = new MutableClock();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private MeshRegistry registry;

    @AfterEach
    void stop() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    private WebClient plaintext() {
        registry = MeshRegistry.builder()
                .plaintext()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .clock(clock)
                .build()
                .start()
                .join();
        return WebClient.of(registry.uri());
    }

    private static AggregatedHttpResponse putRoutes(WebClient http, String quotas) {
        return http.prepare()
                .put("/v1/routes/orders")
                .content(MediaType.JSON_UTF_8, String.format(CONFIG, quotas))
                .execute()
                .aggregate()
                .join();
    }

    private static QuotaJson.Lease lease(RegistryClient client, String instance, String quota, double demand) {
        final QuotaJson.LeaseAnswer answer = client.quotaLeases(
                        ORDERS,
                        new QuotaJson.LeaseRequest(
                                InstanceId.of(instance), List.of(new QuotaJson.Demand(quota, demand, 0)), false))
                .join();
        assertThat(answer.leases()).hasSize(1);
        return answer.leases().get(0);
    }

    @Test
    void aQuotaIsStoredWithTheRouteConfigAndReadBack() throws Exception {
        final WebClient http = plaintext();
        final AggregatedHttpResponse put = putRoutes(
                http,
                "{\"name\": \"frontend-charge\", \"rule\": \"charge\", \"caller\": \"frontend\", \"requests\": 1000, "
                        + "\"per\": \"1m\"}, {\"name\": \"orders-total\", \"requests\": 300}");
        assertThat(put.status()).isEqualTo(HttpStatus.OK);
        // No frontend is registered: accepted, with a warning.
        assertThat(put.contentUtf8())
                .contains("quota 'frontend-charge': caller frontend has no instance registered now (fine for a "
                        + "workload that only calls; check the name if it serves); the quota "
                        + "applies once it calls");

        final RouteJson.RoutesSnapshot read =
                RegistryClient.of(registry.uri()).routes(ORDERS).join();
        assertThat(read.routes().quotas()).hasSize(2);
        assertThat(read.routes().quotas().get(0).perSecond()).isCloseTo(1000 / 60.0, within(1e-9));
        assertThat(read.routes().quotas().get(0).caller()).isEqualTo(ServiceName.of("frontend"));
        assertThat(read.routes().quotas().get(1).rule()).isNull();
        assertThat(read.routes().quotas().get(1).per()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void badQuotasAreRefusedWholeNamingTheQuotaAndTheFieldAndNothingIsStored() {
        final WebClient http = plaintext();
        final String[][] cases = {
            {"{\"name\": \"q\", \"requests\": 0}", "quotas[0] ('q').requests: 0 (expected: > 0"},
            {"{\"name\": \"q\", \"requests\": -5}", "quotas[0] ('q').requests: -5 (expected: > 0"},
            {
                "{\"name\": \"q\", \"requests\": 100000000, \"per\": \"1s\"}",
                "quotas[0] ('q').requests: 100000000 per 1s is more than 1000000 per second"
            },
            {"{\"name\": \"q\", \"requests\": 10, \"per\": \"500ms\"}", "quotas[0] ('q').per: 500ms"},
            {"{\"name\": \"q\", \"requests\": 1.5}", "quotas[0] ('q').requests: 1.5 (expected: a whole number"},
            {
                "{\"name\": \"q\", \"rule\": \"chrage\", \"requests\": 10}",
                "quotas[0] ('q').rule: no rule 'chrage' in this config (expected: one of [charge, rest]"
            },
            {"{\"name\": \"q\", \"caller\": \"Front End\", \"requests\": 10}", "quotas[0] ('q').caller:"},
            {
                "{\"name\": \"a\", \"rule\": \"charge\", \"caller\": \"frontend\", \"requests\": 10}, "
                        + "{\"name\": \"b\", \"rule\": \"charge\", \"caller\": \"frontend\", \"requests\": 20}",
                "quotas[1] ('b').caller: conflicts with quotas[0] ('a'), which limits the same requests "
                        + "(rule 'charge', caller frontend)"
            },
            {
                "{\"name\": \"a\", \"requests\": 10}, {\"name\": \"a\", \"rule\": \"charge\", \"requests\": 20}",
                "quotas[1] ('a').name: quotas[0] has the same name"
            },
            {"{\"requests\": 10}", "quotas[0].name: missing"},
            {"{\"name\": \"q\", \"requests\": 10, \"perCaller\": true}", "quotas[0] ('q'): unknown field 'perCaller'"},
        };
        for (String[] c : cases) {
            final AggregatedHttpResponse res = putRoutes(http, c[0]);
            assertThat(res.status()).as(c[0]).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(res.contentUtf8()).as(c[0]).contains(c[1]);
        }
        assertThat(RegistryClient.of(registry.uri()).routes(ORDERS).join().routes())
                .isNull();
    }

    @Test
    void leasesDivideAQuotaByDemandMaxMinFairAndAnIdleShareFlowsToTheBusy() {
        final WebClient http = plaintext();
        assertThat(putRoutes(http, "{\"name\": \"total\", \"requests\": 300}").status())
                .isEqualTo(HttpStatus.OK);
        final RegistryClient client = RegistryClient.of(registry.uri());

        // Alone, with no demand known yet: the whole quota.
        assertThat(lease(client, "orders-1", "total", 0).perSecond()).isCloseTo(300, within(1e-6));
        // Three holders with no demand: a third each.
        lease(client, "orders-2", "total", 0);
        assertThat(lease(client, "orders-3", "total", 0).perSecond()).isCloseTo(100, within(1e-6));

        // 70/20/10 of 600 per second: the small ones get what they ask, the busy one the rest.
        lease(client, "orders-3", "total", 60);
        lease(client, "orders-2", "total", 120);
        final QuotaJson.Lease busy = lease(client, "orders-1", "total", 420);
        assertThat(busy.perSecond()).isCloseTo(120, within(1e-6));
        assertThat(busy.holders()).isEqualTo(3);
        assertThat(lease(client, "orders-3", "total", 60).perSecond()).isCloseTo(60, within(1e-6));

        // An idle holder keeps only the floor, a tenth of an equal part; the busy one takes the rest.
        lease(client, "orders-3", "total", 0);
        lease(client, "orders-2", "total", 0);
        assertThat(lease(client, "orders-1", "total", 420).perSecond()).isCloseTo(280, within(1e-6));
    }

    @Test
    void aHolderThatStopsRenewingDropsOutAtExpiryAndAReleaseEndsALeaseAtOnce() throws Exception {
        final WebClient http = plaintext();
        assertThat(putRoutes(http, "{\"name\": \"total\", \"requests\": 300}").status())
                .isEqualTo(HttpStatus.OK);
        final RegistryClient client = RegistryClient.of(registry.uri());
        lease(client, "orders-1", "total", 0);
        lease(client, "orders-2", "total", 0);
        assertThat(lease(client, "orders-3", "total", 0).holders()).isEqualTo(3);

        // orders-3 leaves cleanly.
        client.quotaLeases(ORDERS, new QuotaJson.LeaseRequest(InstanceId.of("orders-3"), List.of(), true))
                .join();
        assertThat(lease(client, "orders-1", "total", 0).perSecond()).isCloseTo(150, within(1e-6));

        // orders-2 goes quiet: its lease expires, and orders-1 holds the whole quota.
        clock.advance(Duration.ofSeconds(6));
        lease(client, "orders-1", "total", 0);
        clock.advance(Duration.ofSeconds(5));
        final QuotaJson.Lease alone = lease(client, "orders-1", "total", 0);
        assertThat(alone.holders()).isEqualTo(1);
        assertThat(alone.perSecond()).isCloseTo(300, within(1e-6));

        // The operator's view: holders, shares, demand.
        final JsonNode view = new ObjectMapper()
                .readTree(http.get("/v1/quotas").aggregate().join().content().array());
        final JsonNode quota = view.path("quotas").get(0);
        assertThat(quota.path("service").asText()).isEqualTo("orders");
        assertThat(quota.path("name").asText()).isEqualTo("total");
        assertThat(quota.path("holders")).hasSize(1);
        assertThat(quota.path("holders").get(0).path("instance").asText()).isEqualTo("orders-1");
        assertThat(quota.path("holders").get(0).path("share").asDouble()).isCloseTo(300, within(1e-6));
    }

    @Test
    void aQuotaTheConfigDoesNotHaveIsNotLeasedAndABadLeaseRequestIs400() {
        final WebClient http = plaintext();
        assertThat(putRoutes(http, "{\"name\": \"total\", \"requests\": 300}").status())
                .isEqualTo(HttpStatus.OK);
        final RegistryClient client = RegistryClient.of(registry.uri());
        final QuotaJson.LeaseAnswer answer = client.quotaLeases(
                        ORDERS,
                        new QuotaJson.LeaseRequest(
                                InstanceId.of("orders-1"), List.of(new QuotaJson.Demand("gone", 5, 0)), false))
                .join();
        assertThat(answer.leases()).isEmpty();

        final AggregatedHttpResponse bad = http.prepare()
                .post("/v1/services/orders/quota-leases")
                .content(
                        MediaType.JSON_UTF_8,
                        ("{\"instance\": \"orders-1\", \"quotas\": [{\"name\": \"total\", " + "\"demand\": -1}]}")
                                .getBytes(StandardCharsets.UTF_8))
                .execute()
                .aggregate()
                .join();
        assertThat(bad.status()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(bad.contentUtf8()).contains("quotas[0].demand: -1 (expected: requests per second, >= 0)");
    }

    @Test
    void aWorkloadThatDoesNotServeTheServiceMayNotLeaseItsQuota() throws Exception {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .build()
                .start()
                .join();
        final RegistryClient admin = RegistryAccess.ADMIN_CLIENT.get(registry);
        final String token = admin.createToken(
                        new IdentityJson.TokenRequest(ServiceName.of("inventory"), Duration.ofMinutes(10), 1))
                .join()
                .token();
        final WorkloadIdentity inventory = WorkloadIdentity.builder(registry.uri(), "inventory")
                .joinToken(token)
                .trustBundle(registry.trustBundlePem())
                .build();
        toClose.add(inventory);
        inventory.start().join();
        final RegistryClient asInventory = IdentityAccess.REGISTRY_CLIENT.get(inventory);

        assertThatThrownBy(() -> asInventory
                        .quotaLeases(ORDERS, new QuotaJson.LeaseRequest(InstanceId.of("inventory-1"), List.of(), false))
                        .join())
                .isInstanceOf(CompletionException.class)
                .satisfies(e -> {
                    final RegistryException refusal = (RegistryException) e.getCause();
                    assertThat(refusal.status()).isEqualTo(403);
                    assertThat(refusal.getMessage())
                            .contains("spiffe://mesh.local/svc/inventory may lease shares only of its own service's "
                                    + "quotas")
                            .contains("not of orders")
                            .doesNotContain("register");
                });
        // Its own service's leases it may ask for.
        assertThat(asInventory
                        .quotaLeases(
                                ServiceName.of("inventory"),
                                new QuotaJson.LeaseRequest(InstanceId.of("inventory-1"), List.of(), false))
                        .join()
                        .leases())
                .isEmpty();

        // The operator may lease too (a tool standing in for an instance); the audit says on what, truly.
        assertThat(admin.quotaLeases(ORDERS, new QuotaJson.LeaseRequest(InstanceId.of("orders-1"), List.of(), false))
                        .join()
                        .leases())
                .isEmpty();
        final List<String> audit = Files.readAllLines(dataDir.resolve("audit.log"));
        assertThat(audit)
                .anySatisfy(line -> assertThat(line).contains("\"quota.lease\"").contains("\"service orders\""));
        assertThat(audit).noneSatisfy(line -> assertThat(line).contains("null"));
    }

    private static QuotaJson.Lease leaseDeclared(
            RegistryClient client, String instance, String quota, long requests, double demand) {
        final QuotaSpec declared = new QuotaSpec(quota, null, null, requests, Duration.ofSeconds(1));
        final QuotaJson.LeaseAnswer answer = client.quotaLeases(
                        ORDERS,
                        new QuotaJson.LeaseRequest(
                                InstanceId.of(instance),
                                List.of(new QuotaJson.Demand(quota, demand, 0, declared)),
                                false))
                .join();
        assertThat(answer.leases()).hasSize(1);
        return answer.leases().get(0);
    }

    @Test
    void aDeclaredQuotaIsDividedByTheSmallestDeclarationUntilTheRouteConfigNamesIt() throws Exception {
        final WebClient http = plaintext();
        final RegistryClient client = RegistryClient.of(registry.uri());
        // No route config at all: the instances' @Quota says the size. Two versions declare 100 and 60 per second.
        leaseDeclared(client, "orders-1", "orders-charge", 100, 0);
        final QuotaJson.Lease second = leaseDeclared(client, "orders-2", "orders-charge", 60, 0);
        assertThat(second.holders()).isEqualTo(2);
        assertThat(second.perSecond()).isCloseTo(30, within(1e-6));
        assertThat(leaseDeclared(client, "orders-1", "orders-charge", 100, 0).perSecond())
                .isCloseTo(30, within(1e-6));
        JsonNode quota = new ObjectMapper()
                .readTree(http.get("/v1/quotas").aggregate().join().content().array())
                .path("quotas")
                .get(0);
        assertThat(quota.path("name").asText()).isEqualTo("orders-charge");
        assertThat(quota.path("source").asText()).isEqualTo("annotation");
        assertThat(quota.path("requests").asLong()).isEqualTo(60);
        assertThat(quota.path("declared").toString()).isEqualTo("[\"60/1s\",\"100/1s\"]");
        assertThat(quota.path("note").asText())
                .isEqualTo("its instances declare different sizes (60/1s, 100/1s): the smallest is divided; give them "
                        + "one, or set it in the route config");

        // The operator names it in the route config: its size replaces both declarations, at the next lease.
        assertThat(putRoutes(http, "{\"name\": \"orders-charge\", \"requests\": 10}")
                        .status())
                .isEqualTo(HttpStatus.OK);
        assertThat(leaseDeclared(client, "orders-1", "orders-charge", 100, 0).perSecond())
                .isCloseTo(5, within(1e-6));
        quota = new ObjectMapper()
                .readTree(http.get("/v1/quotas").aggregate().join().content().array())
                .path("quotas")
                .get(0);
        assertThat(quota.path("source").asText()).isEqualTo("route-config");
        assertThat(quota.path("requests").asLong()).isEqualTo(10);
        assertThat(quota.path("note").asText())
                .isEqualTo("the route config's quota replaces the size its instances declare (60/1s, 100/1s)");

        // A declaration the registry cannot take is a 400 naming the field; nothing is held for it.
        final AggregatedHttpResponse bad = http.prepare()
                .post("/v1/services/orders/quota-leases")
                .content(
                        MediaType.JSON_UTF_8,
                        ("{\"instance\": \"orders-3\", \"quotas\": [{\"name\": \"other\", \"declared\": "
                                        + "{\"requests\": 0, \"per\": \"1s\"}}]}")
                                .getBytes(StandardCharsets.UTF_8))
                .execute()
                .aggregate()
                .join();
        assertThat(bad.status()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(bad.contentUtf8()).contains("quotas[0].declared: requests: 0 (expected: > 0");
    }
}
