package io.mesh4j.registry.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.Server;

import io.mesh4j.core.authz.DefaultPolicy;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.RouteJson;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.core.routing.WeightedSubset;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import picocli.CommandLine;

/** meshctl against a real TLS registry, as an operator runs it beside the registry. */
class MeshCtlTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");

    /** A route config for some requests only, as an operator's routes apply would put in force. */
    private static final String BETA = "{\"rules\": [{\"name\": \"beta\", \"match\": {\"headers\": "
            + "{\"x-beta\": \"yes\"}}, \"route\": [{\"subset\": {\"version\": \"v2\"}, \"weight\": 100}]}]}";

    @TempDir
    Path dataDir;

    @TempDir
    Path outputDir;

    private MeshRegistry registry;
    private final List<WorkloadIdentity> identities = new ArrayList<>();
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void start() {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .build()
                .start()
                .join();
    }

    @AfterEach
    void stop() {
        identities.forEach(WorkloadIdentity::close);
        registry.close();
    }

    private int meshctl(String... args) {
        final String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(
                new String[] {"--registry", registry.uri().toString(), "--data-dir", dataDir.toString()},
                0,
                all,
                args.length,
                4);
        return meshctlAt(all);
    }

    private int meshctlAt(String... args) {
        final CommandLine commandLine = MeshCtl.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    @Test
    void bundleRedirectedToAFileWritesTheWholeTrustBundle() throws Exception {
        // As an operator runs it, `meshctl bundle > bundle.pem`: its own process, its output to a file, and the
        // JVM's exit right after the command, which drops whatever was not flushed.
        final Path bundle = outputDir.resolve("bundle.pem");
        final Process meshctl = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        MeshCtl.class.getName(),
                        "bundle",
                        "--registry",
                        registry.uri().toString(),
                        "--data-dir",
                        dataDir.toString())
                .redirectOutput(bundle.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        assertThat(meshctl.waitFor(60, java.util.concurrent.TimeUnit.SECONDS))
                .as("meshctl ended")
                .isTrue();
        assertThat(meshctl.exitValue()).isZero();
        assertThat(java.nio.file.Files.readString(bundle)).isEqualTo(registry.trustBundlePem());
    }

    @Test
    void auditPrintsTheLastAdminActionsAsATable() {
        assertThat(meshctl("token", "create", "--service", "orders")).isZero();
        final String token = out.toString().strip();
        assertThat(meshctl("token", "revoke", token.substring(0, 12))).isZero();
        out.getBuffer().setLength(0);

        assertThat(meshctlAt("audit", "--data-dir", dataDir.toString(), "--last", "1"))
                .isZero();

        final String[] lines = out.toString().split("\n");
        assertThat(lines).hasSize(2);
        assertThat(lines[0]).startsWith("TIME").contains("ACTION", "TARGET", "CALLER", "REMOTE", "RESULT");
        assertThat(lines[1])
                .contains("token.revoke", "token " + token.substring(0, 12), "admin token sha256:", "127.0.0.1")
                .endsWith("ok");
        assertThat(out.toString()).doesNotContain(token.substring(13));
    }

    @Test
    void makesAJoinTokenThatListsAndRevokes() {
        assertThat(meshctl("token", "create", "--service", "orders", "--uses", "3"))
                .isZero();
        final String token = out.toString().strip();
        assertThat(token).matches("[0-9a-f]{12}\\.[A-Za-z0-9_-]{43}");
        assertThat(err.toString()).contains("for orders: 3 use(s)");

        meshctl("token", "list");
        assertThat(out.toString()).contains(token.substring(0, 12) + "   orders", "3          no");

        assertThat(meshctl("token", "revoke", token.substring(0, 12))).isZero();
        assertThat(RegistryAccess.ADMIN_CLIENT
                        .get(registry)
                        .tokens()
                        .join()
                        .get(0)
                        .revoked())
                .isTrue();
    }

    @Test
    void splitsTrafficLiveAndSaysWhichSubsetHasNoInstance() {
        assertThat(meshctl("routes", "split", "orders", "v1=90", "v2=10")).isZero();

        assertThat(out.toString())
                .contains("routes of orders in force at index")
                .contains("warning: rule 'split': subset {version=v1} matches no instance");
        final RouteJson.RoutesSnapshot routes = RegistryAccess.ADMIN_CLIENT
                .get(registry)
                .routes(ServiceName.of("orders"))
                .join();
        assertThat(routes.routes().rules().get(0).split())
                .extracting(WeightedSubset::weight)
                .containsExactly(90, 10);

        assertThat(meshctl("routes", "split", "orders", "v1=50", "v2=50")).isZero();
        assertThat(RegistryAccess.ADMIN_CLIENT
                        .get(registry)
                        .routes(ServiceName.of("orders"))
                        .join()
                        .routes()
                        .rules())
                .hasSize(1);
    }

    @Test
    void refusesWhatWouldNotWorkWithOneLineAndExitCodeTwo() throws Exception {
        assertThat(meshctl("routes", "split", "orders", "v1=90", "v2=5")).isEqualTo(2);
        assertThat(err.toString()).contains("the weights sum to 95 (expected: 100)");

        final Path file = Files.writeString(dataDir.resolve("routes.json"), "{\"rules\": [{\"nmae\": \"x\"}]}");
        assertThat(meshctl("routes", "apply", "orders", "-f", file.toString())).isEqualTo(2);
        assertThat(err.toString()).contains(file + ": rules[0] ('rule-0'): unknown field 'nmae'");

        assertThat(meshctl("token", "create", "--service", "Orders")).isEqualTo(2);
        assertThat(err.toString()).contains("DNS-1123");
        assertThat(RegistryAccess.ADMIN_CLIENT.get(registry).tokens().join()).isEmpty();
        assertThat(List.of(out.toString())).noneMatch(s -> s.contains("Exception"));
    }

    @Test
    void aBadArgumentIsNamedBeforeTheRegistryIsAsked() {
        // No registry answers at port 1: the arguments are checked before a connection is made, so the operator
        // hears what to fix in them rather than that the registry is unreachable.
        final CommandLine commandLine = MeshCtl.commandLine();
        commandLine.setErr(new PrintWriter(err, true));

        assertThat(commandLine.execute(
                        "routes",
                        "split",
                        "orders",
                        "v1=90",
                        "v2=5",
                        "--registry",
                        "https://127.0.0.1:1",
                        "--data-dir",
                        dataDir.toString()))
                .isEqualTo(2);
        assertThat(err.toString())
                .contains("the weights sum to 95 (expected: 100)")
                .doesNotContain("127.0.0.1:1");
    }

    @Test
    void splitRefusesWhenAnEarlierRuleTakesEveryRequestAndChangesNothing() {
        final RegistryClient admin = RegistryAccess.ADMIN_CLIENT.get(registry);
        final String[] catchAlls = {
            "{\"rules\": [{\"name\": \"everything-else\", \"timeout\": \"5s\"}]}",
            "{\"rules\": [{\"name\": \"everything-else\", \"match\": {\"path\": {\"prefix\": \"/\"}}, "
                    + "\"timeout\": \"5s\"}]}",
            // A rule named 'split' already there, behind a catch-all: replacing it would not make it apply either.
            "{\"rules\": [{\"name\": \"everything-else\", \"timeout\": \"5s\"}, {\"name\": \"split\", "
                    + "\"route\": [{\"subset\": {\"version\": \"v1\"}, \"weight\": 100}]}]}",
        };
        for (String config : catchAlls) {
            final long before = admin.putRoutes(ORDERS, RouteJson.parse(config.getBytes(StandardCharsets.UTF_8)))
                    .join()
                    .index();
            err.getBuffer().setLength(0);

            assertThat(meshctl("routes", "split", "orders", "v1=90", "v2=10"))
                    .as(config)
                    .isEqualTo(1);

            assertThat(err.toString())
                    .as(config)
                    .contains("meshctl: rule 'everything-else' (rules[0]) of orders matches every request and comes "
                            + "before the rule 'split', so the split would never apply; nothing was changed");
            assertThat(admin.routes(ORDERS).join().index()).as(config).isEqualTo(before);
        }

        // An earlier rule for some requests only leaves the split the others: it is added after it.
        admin.putRoutes(
                        ORDERS,
                        RouteJson.parse(("{\"rules\": [{\"name\": \"beta\", \"match\": {\"headers\": "
                                        + "{\"x-beta\": \"yes\"}}, \"timeout\": \"5s\"}]}")
                                .getBytes(StandardCharsets.UTF_8)))
                .join();
        assertThat(meshctl("routes", "split", "orders", "v1=90", "v2=10")).isZero();
        assertThat(admin.routes(ORDERS).join().routes().rules())
                .extracting(RouteRule::name)
                .containsExactly("beta", "split");
    }

    @Test
    void splitMadeWhileAnotherWriteLandsKeepsThatWrite(@TempDir Path plaintextDir) {
        // The race of issue 16: split reads the config, a routes apply lands, then split writes. A proxy in front
        // of the registry lands the apply just before split's first write reaches the registry.
        try (MeshRegistry plain = plaintextRegistry(plaintextDir)) {
            final RegistryClient direct = RegistryClient.of(plain.uri());
            final RouteConfig beta = RouteJson.parse(BETA.getBytes(StandardCharsets.UTF_8));
            final Server proxy = proxy(plain, put -> put == 1 ? direct.putRoutes(ORDERS, beta) : done());
            try {
                assertThat(meshctlAt("routes", "split", "orders", "v1=90", "v2=10", "--registry", uri(proxy)))
                        .isZero();
            } finally {
                proxy.stop().join();
            }

            assertThat(direct.routes(ORDERS).join().routes().rules())
                    .extracting(RouteRule::name)
                    .containsExactly("beta", "split");
            assertThat(err.toString())
                    .contains("meshctl: the route config of orders changed since index 0 was read; making the split "
                            + "again on what is in force");
        }
    }

    @Test
    void splitGivesUpSayingWhyWhenTheConfigKeepsChanging(@TempDir Path plaintextDir) {
        try (MeshRegistry plain = plaintextRegistry(plaintextDir)) {
            final RegistryClient direct = RegistryClient.of(plain.uri());
            final RouteConfig beta = RouteJson.parse(BETA.getBytes(StandardCharsets.UTF_8));
            final Server proxy = proxy(plain, put -> direct.putRoutes(ORDERS, beta));
            try {
                assertThat(meshctlAt("routes", "split", "orders", "v1=90", "v2=10", "--registry", uri(proxy)))
                        .isEqualTo(1);
            } finally {
                proxy.stop().join();
            }

            assertThat(err.toString())
                    .contains("meshctl: the route config of orders changed 3 times while split was being made on it");
            assertThat(direct.routes(ORDERS).join().routes()).isEqualTo(beta);
        }
    }

    @Test
    void applyAndDeleteWithAnIndexChangeNothingOnceTheConfigMovedOn() throws Exception {
        final RegistryClient admin = RegistryAccess.ADMIN_CLIENT.get(registry);
        assertThat(meshctl("routes", "get", "orders")).isZero();
        assertThat(err.toString()).contains("routes of orders at index 0");
        final Path file = Files.writeString(dataDir.resolve("routes.json"), BETA);

        assertThat(meshctl("routes", "apply", "orders", "-f", file.toString(), "--index", "0"))
                .isZero();
        final long applied = admin.routes(ORDERS).join().index();
        assertThat(meshctl("routes", "apply", "orders", "-f", file.toString(), "--index", "0"))
                .isEqualTo(1);
        assertThat(err.toString())
                .contains("meshctl: the route config of orders is at index " + applied + ", not 0: it changed since "
                        + "it was read, and nothing was applied. See what is in force with meshctl routes get orders, "
                        + "and run this again with --index " + applied + " if it still holds");
        assertThat(meshctl("routes", "delete", "orders", "--index", "0")).isEqualTo(1);
        assertThat(admin.routes(ORDERS).join().index()).isEqualTo(applied);

        assertThat(meshctl("routes", "delete", "orders", "--index", Long.toString(applied)))
                .isZero();
        assertThat(admin.routes(ORDERS).join().routes()).isNull();
    }

    @Test
    void showsAndChangesTheMeshWideDefaultAndSaysWhatDecidesAServicesRequests() throws Exception {
        assertThat(meshctl("policies", "default")).isZero();
        assertThat(out.toString()).contains("mesh-wide default policy: allow (index 0)");

        assertThat(meshctl("policies", "default", "deny")).isZero();
        assertThat(registry.defaultPolicy()).isEqualTo(DefaultPolicy.DENY);
        assertThat(meshctl("policies", "get", "orders")).isZero();
        assertThat(err.toString())
                .contains("mesh-wide default policy: deny")
                .contains("no access policy: @AllowCallers decide their routes, the mesh-wide default (deny) the rest");

        final Path file = Files.writeString(
                outputDir.resolve("policy.json"),
                "{\"default\": \"allow\", \"rules\": [{\"routes\": [\"/admin\"], \"allowCallers\": [\"ops\"]}]}");
        assertThat(meshctl("policies", "apply", "orders", "-f", file.toString()))
                .isZero();
        assertThat(meshctl("policies", "get", "orders")).isZero();
        assertThat(out.toString()).contains("\"default\" : \"allow\"").contains("\"/admin\"");
        assertThat(err.toString())
                .contains("the rules decide what they cover, @AllowCallers their routes, the service's default "
                        + "(allow) the rest");
    }

    @Test
    void anUnknownDefaultIsAUsageErrorAndChangesNothing() {
        assertThat(meshctl("policies", "default", "closed")).isEqualTo(2);
        assertThat(err.toString()).contains("meshctl: default policy: 'closed' (expected: allow or deny)");
        assertThat(registry.defaultPolicy()).isEqualTo(DefaultPolicy.ALLOW);
    }

    private static MeshRegistry plaintextRegistry(Path dir) {
        return MeshRegistry.builder()
                .plaintext()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir)
                .build()
                .start()
                .join();
    }

    private static CompletableFuture<?> done() {
        return CompletableFuture.completedFuture(null);
    }

    private static String uri(Server server) {
        return "http://127.0.0.1:" + server.activeLocalPort();
    }

    /**
     * A plaintext proxy to {@code target} that, before it forwards the n-th PUT of a route config, waits for what
     * {@code beforePut} starts for n (counted from 1): another writer's change, landing between split's read and its
     * write.
     */
    private static Server proxy(MeshRegistry target, IntFunction<CompletableFuture<?>> beforePut) {
        final WebClient backend = WebClient.of(target.uri());
        final AtomicInteger puts = new AtomicInteger();
        final Server proxy = Server.builder()
                .http(new InetSocketAddress("127.0.0.1", 0))
                .serviceUnder(
                        "/",
                        (ctx, req) -> HttpResponse.of(req.aggregate()
                                .thenCompose(request -> {
                                    final CompletableFuture<?> before = request.method() == HttpMethod.PUT
                                                    && request.path().startsWith("/v1/routes/")
                                            ? beforePut.apply(puts.incrementAndGet())
                                            : done();
                                    return before.thenCompose(ignored -> backend.execute(request.toHttpRequest())
                                            .aggregate());
                                })
                                .thenApply(AggregatedHttpResponse::toHttpResponse)))
                .build();
        proxy.start().join();
        return proxy;
    }

    @Test
    void certRevokeRevokesAnIdentityAndRevocationsListsIt() {
        final WorkloadIdentity orders = startedOrders();
        final String serial =
                orders.keyPair().certificateChain().get(0).getSerialNumber().toString(16);

        assertThat(meshctl("cert", "revoke", "spiffe://mesh.local/svc/orders")).isZero();
        assertThat(out.toString()).contains("revoked every certificate of spiffe://mesh.local/svc/orders issued up to");
        assertThat(meshctl("cert", "revoke", serial)).isZero();
        out.getBuffer().setLength(0);

        assertThat(meshctl("cert", "revocations")).isZero();
        assertThat(out.toString())
                .contains("spiffe://mesh.local/svc/orders")
                .contains("(all issued up to then)")
                .contains(serial);
    }

    @Test
    void certRevokeOfBadOrUnknownInputExitsNonZeroSayingWhyAndWritesNothing() {
        startedOrders();
        final RegistryClient admin = RegistryAccess.ADMIN_CLIENT.get(registry);
        final long index = admin.trust().join().index();

        assertThat(meshctl("cert", "revoke", "zz:not-a-serial")).isEqualTo(2);
        assertThat(err.toString()).contains("serial: 'zz:not-a-serial' (expected: the certificate's serial number");
        assertThat(meshctl("cert", "revoke", "spiffe://mesh.local/registry")).isEqualTo(2);
        assertThat(err.toString()).contains("is not a workload's");
        assertThat(meshctl("cert", "revoke", "abc123")).isEqualTo(1);
        assertThat(err.toString()).contains("no certificate of serial abc123 is in force");
        assertThat(meshctl("cert", "revoke", "spiffe://mesh.local/svc/nobody")).isEqualTo(1);
        assertThat(err.toString()).contains("no certificate of spiffe://mesh.local/svc/nobody is in force");

        assertThat(admin.trust().join().index()).isEqualTo(index);
        assertThat(admin.revocations().join()).isEmpty();
    }

    private WorkloadIdentity startedOrders() {
        final String token = RegistryAccess.ADMIN_CLIENT
                .get(registry)
                .createToken(new IdentityJson.TokenRequest(ORDERS, Duration.ofMinutes(10), 1))
                .join()
                .token();
        final WorkloadIdentity identity = WorkloadIdentity.builder(registry.uri(), "orders")
                .joinToken(token)
                .trustBundle(registry.trustBundlePem())
                .build();
        identities.add(identity);
        return identity.start().join();
    }
}
