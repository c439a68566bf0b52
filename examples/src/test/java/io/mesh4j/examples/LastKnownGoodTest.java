package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;

import io.mesh4j.client.MeshClient;
import io.mesh4j.client.internal.discovery.RegistryEndpointGroup;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.MeshIdentity;
import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.examples.services.Workloads;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.server.MeshServer;

/**
 * Members restarted while the registry is away, with a state directory each, end to end over real mTLS: they come
 * up from what they kept (certificate, trust, endpoints, policy), call each other, say so, and resume from the
 * registry when it is back; a restart needs no join token while the kept certificate is valid, and a kept
 * certificate file cut short is not used.
 */
class LastKnownGoodTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");

    @TempDir
    Path dataDir;

    @TempDir
    Path states;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private MeshRegistry registry;
    private String trustBundle;

    @AfterEach
    void stop() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    private void startRegistry(int port, Duration leafLifetime) {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(port)
                .dataDir(dataDir)
                .leafLifetime(leafLifetime)
                .build()
                .start()
                .join();
        trustBundle = registry.trustBundlePem();
    }

    private RegistryClient admin() {
        return RegistryAccess.ADMIN_CLIENT.get(registry);
    }

    /** A new workload's identity, with a single-use join token; not started. */
    private WorkloadIdentity joining(String service) {
        final WorkloadIdentity identity = Workloads.identity(registry.uri(), admin(), trustBundle, service);
        toClose.add(identity);
        return identity;
    }

    /** A restarted workload's identity: the trust bundle it was deployed with, and no join token. */
    private WorkloadIdentity restarted(URI registryUri, String service, Path stateDir) {
        final WorkloadIdentity identity = WorkloadIdentity.builder(registryUri, service)
                .trustBundle(trustBundle)
                .stateDir(stateDir)
                .build();
        toClose.add(identity);
        return identity;
    }

    /** An orders instance on {@code port} whose {@code /who} answers its caller's SPIFFE ID. */
    private MeshServer orders(WorkloadIdentity identity, int port, Path stateDir) {
        final MeshServer server = MeshServer.builder("orders", identity.registryUri())
                .identity(identity)
                .stateDir(stateDir)
                .port(port)
                .adminPort(0)
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .stopOnShutdown(false)
                .service("/who", (ctx, req) -> HttpResponse.of(String.valueOf(MeshIdentity.peer(ctx))))
                .build();
        toClose.add(server);
        server.start();
        return server;
    }

    private MeshClient frontend(WorkloadIdentity identity, Path stateDir) {
        final MeshClient client = MeshClient.builder(identity.registryUri())
                .identity(identity)
                .stateDir(stateDir)
                .build();
        toClose.add(client);
        return client;
    }

    private static AggregatedHttpResponse who(MeshClient client) {
        return client.webClient(ORDERS).get("/who").aggregate().join();
    }

    @Test
    void aClientAndAServerRestartedWhileTheRegistryIsDownComeUpFromTheirStateCallEachOtherAndResume() throws Exception {
        startRegistry(0, Duration.ofHours(24));
        final URI registryUri = registry.uri();
        final Path ordersState = states.resolve("orders");
        final Path frontendState = states.resolve("frontend");

        // First life: both join with a token, and the client calls the server once, so both have heard the registry.
        final WorkloadIdentity ordersIdentity = joining("orders");
        final MeshServer ordersBefore = orders(ordersIdentity, 0, ordersState);
        ordersBefore.start().get(10, TimeUnit.SECONDS);
        final int ordersPort = ordersBefore.port();
        final WorkloadIdentity frontendIdentity = joining("frontend");
        final MeshClient frontendBefore = frontend(frontendIdentity, frontendState);
        assertThat(who(frontendBefore).contentUtf8()).isEqualTo("spiffe://mesh.local/svc/frontend");

        // The whole node goes down (the client first, so that it never hears the server leave), then the registry.
        frontendBefore.close();
        frontendIdentity.close();
        ordersBefore.close();
        ordersIdentity.close();
        registry.close();

        // Both restart while the registry is down: new identities without a join token, the same state dirs.
        final MeshServer ordersAfter = orders(restarted(registryUri, "orders", ordersState), ordersPort, ordersState);
        assertThat(ordersAfter.whenServing().get(10, TimeUnit.SECONDS)).isEqualTo(ordersPort);
        final MeshClient frontendAfter = frontend(restarted(registryUri, "frontend", frontendState), frontendState);

        // They call each other over mTLS with the kept certificates, endpoints and access policy (without the
        // policy, the server would refuse every caller until the registry answers: default-deny until known).
        final AggregatedHttpResponse response = who(frontendAfter);
        assertThat(response.status()).isEqualTo(HttpStatus.OK);
        assertThat(response.contentUtf8()).isEqualTo("spiffe://mesh.local/svc/frontend");
        assertThat(ordersAfter.isRegistered()).isFalse();
        assertThat(ordersAfter.lastKnownGood()).matches("running from last-known-good state of \\S+, \\d+s old");
        final Instant stateTime = Instant.parse(ordersAfter
                .lastKnownGood()
                .substring("running from last-known-good state of ".length())
                .split(",")[0]);
        assertThat(stateTime).isBefore(Instant.now());
        final String health = WebClient.of(
                        "http://127.0.0.1:" + ordersAfter.admin().port())
                .get("/healthz")
                .aggregate()
                .join()
                .contentUtf8();
        assertThat(health)
                .startsWith("ok\nrunning from last-known-good state of " + stateTime + ", ")
                .endsWith(" old\n");

        // The registry comes back where it was: the server registers, the client's watch hears it, and neither
        // runs from disk any more.
        startRegistry(registryUri.getPort(), Duration.ofHours(24));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(ordersAfter.isRegistered()).isTrue();
            assertThat(ordersAfter.lastKnownGood()).isNull();
            assertThat(frontendAfter.endpoints(ORDERS))
                    .singleElement()
                    .satisfies(endpoint -> assertThat(endpoint.attr(RegistryEndpointGroup.INSTANCE_ID))
                            .isEqualTo(ordersAfter.instanceId()));
        });
        assertThat(who(frontendAfter).contentUtf8()).isEqualTo("spiffe://mesh.local/svc/frontend");
        assertThat(WebClient.of("http://127.0.0.1:" + ordersAfter.admin().port())
                        .get("/healthz")
                        .aggregate()
                        .join()
                        .contentUtf8())
                .isEqualTo("ok\n");
    }

    @Test
    void aRestartWithAValidKeptCertificateNeedsNoJoinTokenAndRenewsWithIt() throws Exception {
        // 10 s certificates: renewed 6.7 s after they are issued.
        startRegistry(0, Duration.ofSeconds(10));
        final Path state = states.resolve("orders");
        final WorkloadIdentity first = WorkloadIdentity.builder(registry.uri(), "orders")
                .joinToken(token("orders"))
                .trustBundle(trustBundle)
                .stateDir(state)
                .build();
        toClose.add(first);
        first.start().get(10, TimeUnit.SECONDS);
        final Instant firstExpiry = first.expiresAt();
        first.close();

        // No token at all: the kept certificate is the proof, with the registry up.
        final WorkloadIdentity again = restarted(registry.uri(), "orders", state);
        again.start().get(1, TimeUnit.SECONDS);
        assertThat(again.expiresAt()).isEqualTo(firstExpiry);
        assertThat(spiffeIdOf(again)).isEqualTo(SpiffeId.parse("spiffe://mesh.local/svc/orders"));

        // Renewed with that certificate when two thirds of its life are through, and the renewal is kept.
        await().atMost(Duration.ofSeconds(15)).until(() -> again.expiresAt().isAfter(firstExpiry));
        again.close();
        final WorkloadIdentity third = restarted(registry.uri(), "orders", state);
        third.start().get(1, TimeUnit.SECONDS);
        assertThat(third.expiresAt()).isAfter(firstExpiry);
    }

    @Test
    void aKeptCertificateFileCutShortIsNotUsedAndTheWorkloadJoinsWithItsToken() throws Exception {
        startRegistry(0, Duration.ofHours(24));
        final Path state = states.resolve("orders");
        final WorkloadIdentity first = WorkloadIdentity.builder(registry.uri(), "orders")
                .joinToken(token("orders"))
                .trustBundle(trustBundle)
                .stateDir(state)
                .build();
        toClose.add(first);
        first.start().get(10, TimeUnit.SECONDS);
        final Instant firstExpiry = first.expiresAt();
        first.close();
        final Path credentials = state.resolve("credentials.pem");
        final byte[] whole = Files.readAllBytes(credentials);
        Files.write(credentials, java.util.Arrays.copyOf(whole, whole.length / 2));

        // Without a token there is nothing left to start with, and the failure says where it looked.
        final CompletableFuture<WorkloadIdentity> withoutToken =
                restarted(registry.uri(), "orders", state).start();
        assertThatThrownBy(() -> withoutToken.get(1, TimeUnit.SECONDS))
                .hasCauseInstanceOf(IllegalStateException.class)
                .hasMessageContaining("has no join token and no usable certificate in its state dir " + state);

        // With one, it joins as a new workload does, and keeps the new certificate.
        final WorkloadIdentity rejoined = WorkloadIdentity.builder(registry.uri(), "orders")
                .joinToken(token("orders"))
                .trustBundle(trustBundle)
                .stateDir(state)
                .build();
        toClose.add(rejoined);
        rejoined.start().get(10, TimeUnit.SECONDS);
        assertThat(rejoined.expiresAt()).isNotNull();
        rejoined.close();
        final WorkloadIdentity restartedAgain = restarted(registry.uri(), "orders", state);
        restartedAgain.start().get(1, TimeUnit.SECONDS);
        assertThat(restartedAgain.expiresAt()).isEqualTo(rejoined.expiresAt());
        // The client of that workload keeps its state in the identity's directory, not in one of its own.
        assertThatThrownBy(() -> MeshClient.builder(registry.uri())
                        .identity(restartedAgain)
                        .stateDir(states.resolve("elsewhere"))
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("where the identity spiffe://mesh.local/svc/orders keeps its state");
        assertThat(firstExpiry).isNotNull();
    }

    private static SpiffeId spiffeIdOf(WorkloadIdentity identity) {
        return io.mesh4j.core.internal.identity.SpiffeVerifier.idOf(
                        identity.keyPair().certificateChain().get(0))
                .orElseThrow();
    }

    private String token(String service) {
        return admin().createToken(new io.mesh4j.core.internal.registry.IdentityJson.TokenRequest(
                        ServiceName.of(service), Duration.ofMinutes(10), 1))
                .join()
                .token();
    }
}
