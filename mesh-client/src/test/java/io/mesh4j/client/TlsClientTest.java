package io.mesh4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.CommonPools;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerTlsConfig;

import io.mesh4j.client.balancer.Balancers;
import io.mesh4j.client.discovery.Discovery;
import io.mesh4j.client.discovery.PeerTransport;
import io.mesh4j.client.policy.ClientPolicy;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.MeshIdentity;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.BossGroups;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.registry.internal.ca.RegistryCertificate;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

/** A MeshClient's mTLS: it calls only a server that proves the identity of the service it meant to call. */
class TlsClientTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");

    @TempDir
    Path dataDir;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private MeshRegistry registry;

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
    void stop() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        registry.close();
    }

    private WorkloadIdentity identity(String service) {
        final String token = RegistryAccess.ADMIN_CLIENT
                .get(registry)
                .createToken(new IdentityJson.TokenRequest(ServiceName.of(service), Duration.ofMinutes(10), 1))
                .join()
                .token();
        final WorkloadIdentity identity = WorkloadIdentity.builder(registry.uri(), service)
                .joinToken(token)
                .trustBundle(registry.trustBundlePem())
                .build();
        toClose.add(identity);
        return identity.start().join();
    }

    /**
     * A plain Armeria server with mTLS as {@code identity}, registered as an instance of orders whatever the
     * identity says: an impostor when the identity is another service's.
     */
    private Server serveAsOrders(String id, WorkloadIdentity identity, AtomicInteger hits) {
        final Server server = Server.builder()
                .https(0)
                .tlsProvider(
                        identity.tlsProvider(),
                        ServerTlsConfig.builder()
                                .clientAuth(ClientAuth.REQUIRE)
                                .tlsCustomizer(
                                        tls -> tls.trustManager(identity.trustManager(caller -> true, "any workload")))
                                .build())
                .service("/", (ctx, req) -> {
                    hits.incrementAndGet();
                    return HttpResponse.of("served by " + identity.id() + " to " + MeshIdentity.peer(ctx));
                })
                .connectionDrainDuration(Duration.ZERO)
                .bossGroupFactory(BossGroups::newBossGroup)
                .build();
        server.start().join();
        toClose.add(server::close);
        RegistryAccess.ADMIN_CLIENT
                .get(registry)
                .register(
                        ORDERS,
                        InstanceId.of(id),
                        Registration.builder("127.0.0.1", server.activeLocalPort())
                                .build())
                .join();
        return server;
    }

    /**
     * A TLS front of the registry that notes every request it gets, with whether the caller presented a
     * certificate, and passes it on: with the operator's token when the caller proved an identity, as it came
     * when not (so that the registry refuses what needs a certificate).
     */
    private URI recordingFront(List<String> requests) throws IOException {
        final String adminToken =
                Files.readString(dataDir.resolve("admin.token")).strip();
        final ClientFactory insecure = ClientFactory.builder().tlsNoVerify().build();
        toClose.add(insecure);
        final WebClient upstream = WebClient.builder(registry.uri())
                .factory(insecure)
                .responseTimeoutMillis(0)
                .build();
        final Server front = Server.builder()
                .https(0)
                .tlsProvider(
                        RegistryCertificate.start(
                                RegistryAccess.CA.get(registry),
                                "127.0.0.1",
                                List.of(),
                                CommonPools.blockingTaskExecutor(),
                                Clock.systemUTC()),
                        ServerTlsConfig.builder()
                                .clientAuth(ClientAuth.OPTIONAL)
                                .tlsCustomizer(tls -> tls.trustManager(InsecureTrustManagerFactory.INSTANCE))
                                .build())
                .requestTimeout(Duration.ZERO)
                .service("prefix:/", (ctx, req) -> {
                    final boolean certified = MeshIdentity.peer(ctx) != null;
                    requests.add(
                            ctx.method() + " " + ctx.path() + (certified ? " with" : " without") + " a certificate");
                    return upstream.execute(
                            certified
                                    ? req.withHeaders(req.headers().toBuilder()
                                            .set(HttpHeaderNames.AUTHORIZATION, "Bearer " + adminToken))
                                    : req);
                })
                .connectionDrainDuration(Duration.ZERO)
                .bossGroupFactory(BossGroups::newBossGroup)
                .build();
        front.start().join();
        toClose.add(front::close);
        return URI.create("https://127.0.0.1:" + front.activeLocalPort());
    }

    @Test
    void aMemberCallsMembersOverMtlsAndAServiceOutsideTheMeshInPlaintextOnlyWhereConfigured() {
        final AtomicInteger orderHits = new AtomicInteger();
        serveAsOrders("orders-1", identity("orders"), orderHits);
        // A legacy service outside the mesh: plain HTTP, no certificate.
        final AtomicInteger legacyHits = new AtomicInteger();
        final Server legacy = Server.builder()
                .http(0)
                .service("/", (ctx, req) -> {
                    legacyHits.incrementAndGet();
                    return HttpResponse.of("legacy");
                })
                .connectionDrainDuration(Duration.ZERO)
                .bossGroupFactory(BossGroups::newBossGroup)
                .build();
        legacy.start().join();
        toClose.add(legacy::close);
        final String address = "127.0.0.1:" + legacy.activeLocalPort();

        final MeshClient mesh = MeshClient.builder(registry.uri())
                .identity(identity("frontend"))
                .discovery("legacy", Discovery.staticList(address), PeerTransport.PLAINTEXT)
                // The same address with no transport said: taken for a mesh member, so called over mTLS.
                .discovery("unsaid", Discovery.staticList(address))
                .policy(
                        "unsaid",
                        ClientPolicy.builder().timeout(Duration.ofSeconds(2)).build())
                .build();
        toClose.add(mesh);

        assertThat(mesh.webClient("orders").get("/").aggregate().join().contentUtf8())
                .isEqualTo("served by spiffe://mesh.local/svc/orders to spiffe://mesh.local/svc/frontend");
        assertThat(mesh.webClient("legacy").get("/").aggregate().join().contentUtf8())
                .isEqualTo("legacy");
        // Never plaintext unless configured: the plaintext server cannot answer a TLS handshake.
        assertThat(catchThrowable(
                        () -> mesh.webClient("unsaid").get("/").aggregate().join()))
                .isNotNull();
        assertThat(legacyHits).hasValue(1);
        assertThat(orderHits).hasValue(1);
    }

    @Test
    void watchesTheRouteConfigOnlyOnceTheCertificateIsIn() throws IOException {
        final List<String> requests = new CopyOnWriteArrayList<>();
        final URI front = recordingFront(requests);
        final String token = RegistryAccess.ADMIN_CLIENT
                .get(registry)
                .createToken(new IdentityJson.TokenRequest(ServiceName.of("frontend"), Duration.ofMinutes(10), 1))
                .join()
                .token();
        // Not started: the client's first call starts it.
        final WorkloadIdentity identity = WorkloadIdentity.builder(front, "frontend")
                .joinToken(token)
                .trustBundle(registry.trustBundlePem())
                .build();
        toClose.add(identity);
        final MeshClient mesh = MeshClient.builder(front).identity(identity).build();
        toClose.add(mesh);

        mesh.webClient("orders");

        await().atMost(Duration.ofSeconds(10))
                .until(() -> requests.contains("GET /v1/routes/orders with a certificate"));
        assertThat(requests)
                .as("the requests the registry got")
                .contains("POST /v1/identity/csr without a certificate")
                .doesNotContain("GET /v1/routes/orders without a certificate");
    }

    @Test
    void aClientStartedAsANewUserWouldLogsNoRefusedWatch() throws Exception {
        serveAsOrders("orders-1", identity("orders"), new AtomicInteger());
        RegistryAccess.ADMIN_CLIENT
                .get(registry)
                .putRoutes(
                        ORDERS, new RouteConfig(List.of(RouteRule.builder("all").build())))
                .join();
        final String token = RegistryAccess.ADMIN_CLIENT
                .get(registry)
                .createToken(new IdentityJson.TokenRequest(ServiceName.of("frontend"), Duration.ofMinutes(10), 1))
                .join()
                .token();

        // slf4j-simple, the tests' binding, writes to whatever System.err is when it logs.
        final ByteArrayOutputStream log = new ByteArrayOutputStream();
        final PrintStream err = System.err;
        System.setErr(new PrintStream(new TeeOutputStream(err, log), true, StandardCharsets.UTF_8));
        try {
            // As a new user would: an identity not started yet, a client, and a call at once.
            final WorkloadIdentity identity = WorkloadIdentity.builder(registry.uri(), "frontend")
                    .joinToken(token)
                    .trustBundle(registry.trustBundlePem())
                    .build();
            toClose.add(identity);
            final MeshClient mesh =
                    MeshClient.builder(registry.uri()).identity(identity).build();
            toClose.add(mesh);

            assertThat(mesh.webClient("orders").get("/").aggregate().join().contentUtf8())
                    .startsWith("served by spiffe://mesh.local/svc/orders");
            // The route config came: its watch has been answered.
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !mesh.routeConfig(ORDERS).rules().isEmpty());
        } finally {
            System.setErr(err);
        }
        assertThat(log.toString(StandardCharsets.UTF_8).lines())
                .as("what the client's start logged")
                .isNotEmpty()
                // Other libraries may warn once per JVM of their own matters (Micrometer of a meter already
                // registered); the mesh's own warnings and any refusal are what a clean start must not show.
                .noneMatch(line -> line.contains("WARN io.mesh4j"))
                .noneMatch(line -> line.contains("401")
                        || line.toLowerCase(Locale.ROOT).contains("unauthenticated")
                        || line.toLowerCase(Locale.ROOT).contains("unauthorized"));
    }

    /** Writes to two streams. */
    private static final class TeeOutputStream extends OutputStream {

        private final OutputStream first;
        private final OutputStream second;

        TeeOutputStream(OutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public synchronized void write(int b) throws IOException {
            first.write(b);
            second.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            first.write(b, off, len);
            second.write(b, off, len);
        }

        @Override
        public synchronized void flush() throws IOException {
            first.flush();
            second.flush();
        }
    }

    @Test
    void callsOverMtlsAndTheServerKnowsTheCaller() {
        serveAsOrders("orders-1", identity("orders"), new AtomicInteger());
        final MeshClient mesh = MeshClient.builder(registry.uri())
                .identity(identity("frontend"))
                .build();
        toClose.add(mesh);

        assertThat(mesh.webClient("orders").get("/").aggregate().join().contentUtf8())
                .isEqualTo("served by spiffe://mesh.local/svc/orders to spiffe://mesh.local/svc/frontend");
    }

    @Test
    void refusesAnInstanceThatCannotProveItIsTheServiceCalledAndRetriesOnARealOne() {
        final AtomicInteger impostorHits = new AtomicInteger();
        final AtomicInteger realHits = new AtomicInteger();
        serveAsOrders("impostor", identity("inventory"), impostorHits);
        serveAsOrders("orders-1", identity("orders"), realHits);
        final MeshClient mesh = MeshClient.builder(registry.uri())
                .identity(identity("frontend"))
                .balancer(Balancers.roundRobin())
                .build();
        toClose.add(mesh);
        final WebClient orders = mesh.webClient("orders");
        await().atMost(Duration.ofSeconds(5)).until(() -> mesh.endpoints(ORDERS).size() == 2);

        for (int i = 0; i < 20; i++) {
            assertThat(orders.get("/").aggregate().join().contentUtf8())
                    .startsWith("served by spiffe://mesh.local/svc/orders");
        }

        assertThat(impostorHits).hasValue(0);
        assertThat(realHits).hasValue(20);
    }
}
