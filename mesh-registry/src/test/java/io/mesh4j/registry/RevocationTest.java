package io.mesh4j.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.ClientTlsConfig;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.common.TlsProvider;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.identity.CertificateRequests;
import io.mesh4j.core.internal.identity.IdentityAccess;
import io.mesh4j.core.internal.identity.KeyPairs;
import io.mesh4j.core.internal.identity.Pem;
import io.mesh4j.core.internal.identity.TrustState;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.RegistryException;
import io.mesh4j.core.internal.registry.TrustJson;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.registry.internal.ca.CertificateAuthority;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

/**
 * Revocations and the trust state the registry pushes, against a real TLS registry: what a revocation refuses,
 * that it lasts across a restart and no longer than it must, what bad input writes (nothing), and a retired root's
 * key and bundle leaving the disk.
 */
class RevocationTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");

    @TempDir
    Path dataDir;

    private final MutableClock clock = new MutableClock();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private MeshRegistry registry;
    private RegistryClient admin;

    @BeforeEach
    void start() {
        startRegistry();
    }

    private void startRegistry() {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .clock(clock)
                .leafLifetime(Duration.ofMinutes(10))
                .build()
                .start()
                .join();
        admin = RegistryAccess.ADMIN_CLIENT.get(registry);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : toClose) {
            closeable.close();
        }
        registry.close();
    }

    private WorkloadIdentity started(ServiceName service) {
        final String token = admin.createToken(new IdentityJson.TokenRequest(service, Duration.ofHours(1), 1))
                .join()
                .token();
        final WorkloadIdentity identity = WorkloadIdentity.builder(registry.uri(), service.value())
                .joinToken(token)
                .trustBundle(registry.trustBundlePem())
                .clock(clock)
                .build();
        toClose.add(identity);
        return identity.start().join();
    }

    private static CompletableFuture<IdentityJson.CsrAnswer> renew(WorkloadIdentity identity) {
        return IdentityAccess.REGISTRY_CLIENT
                .get(identity)
                .requestCertificate(new IdentityJson.CsrRequest(
                        CertificateRequests.create(KeyPairs.newP256(), identity.id()), null));
    }

    private static X509Certificate leafOf(WorkloadIdentity identity) {
        return identity.keyPair().certificateChain().get(0);
    }

    /** A client of the registry that presents {@code keyPair}, as the workload that holds it would. */
    private RegistryClient presenting(TlsKeyPair keyPair) {
        final ClientFactory factory = ClientFactory.builder()
                .tlsProvider(
                        new TlsProvider() {
                            @Override
                            public TlsKeyPair keyPair(String hostname) {
                                return keyPair;
                            }
                        },
                        ClientTlsConfig.builder()
                                .tlsCustomizer(tls -> tls.trustManager(InsecureTrustManagerFactory.INSTANCE))
                                .build())
                .build();
        toClose.add(factory);
        return RegistryClient.of(registry.uri(), factory);
    }

    private static RegistryException refusal(Throwable thrown) {
        assertThat(thrown).isInstanceOf(CompletionException.class);
        assertThat(thrown.getCause()).isInstanceOf(RegistryException.class);
        return (RegistryException) thrown.getCause();
    }

    @Test
    void aRevokedIdentityIsRefusedRenewalAndComesBackOnlyWithANewJoinToken() throws Exception {
        final WorkloadIdentity orders = started(ORDERS);

        final TrustJson.Revocation revocation = admin.revoke(
                        new TrustJson.RevokeRequest("spiffe://mesh.local/svc/orders", null))
                .join();

        assertThat(revocation.spiffeId()).isEqualTo("spiffe://mesh.local/svc/orders");
        assertThat(admin.trust().join().revocations()).containsExactly(revocation);
        // The revocation is in the audit log, with what it revoked.
        assertThat(Files.readAllLines(dataDir.resolve("audit.log")))
                .filteredOn(line -> line.contains("\"action\":\"cert.revoke\""))
                .singleElement()
                .satisfies(line -> assertThat(line)
                        .contains("every certificate of spiffe://mesh.local/svc/orders up to")
                        .contains("\"result\":\"ok\""));
        assertThatThrownBy(() -> renew(orders).join()).satisfies(e -> {
            assertThat(refusal(e).status()).isEqualTo(403);
            assertThat(refusal(e).getMessage())
                    .contains("every certificate of spiffe://mesh.local/svc/orders issued up to")
                    .contains("cannot be renewed")
                    .contains("meshctl token create --service orders");
        });
        assertThatThrownBy(() ->
                        IdentityAccess.REGISTRY_CLIENT.get(orders).services().join())
                .satisfies(e -> assertThat(refusal(e).getMessage()).contains("revoked"));

        // Rejoining in the same second as the revocation still gets a certificate the revocation does not cover.
        final WorkloadIdentity rejoined = started(ORDERS);
        assertThat(TrustState.of(List.of(), admin.trust().join().revocations())
                        .revocationOf(leafOf(rejoined), rejoined.id()))
                .isNull();
        assertThat(renew(rejoined).join().spiffeId()).isEqualTo("spiffe://mesh.local/svc/orders");
    }

    @Test
    void aRevocationSurvivesARestartAndLastsOnlyUntilTheCertificateWouldHaveExpired() throws Exception {
        final WorkloadIdentity orders = started(ORDERS);
        final String serial = leafOf(orders).getSerialNumber().toString(16);
        admin.revoke(new TrustJson.RevokeRequest(null, serial)).join();

        registry.close();
        startRegistry();

        assertThat(admin.revocations().join())
                .singleElement()
                .satisfies(r -> assertThat(r.serial()).isEqualTo(serial));
        // The same certificate, presented to the restarted registry.
        assertThatThrownBy(() -> presenting(orders.keyPair())
                        .requestCertificate(new IdentityJson.CsrRequest(
                                CertificateRequests.create(KeyPairs.newP256(), orders.id()), null))
                        .join())
                .satisfies(e -> assertThat(refusal(e).getMessage())
                        .contains("serial " + serial)
                        .contains("cannot be renewed"));

        clock.advance(Duration.ofMinutes(11));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> admin.revocations().join().isEmpty());
    }

    @Test
    void badRevocationsAreRefusedAndWriteNothing() {
        started(ORDERS);
        final long index = admin.trust().join().index();

        assertRefused(new TrustJson.RevokeRequest(null, "not-hex"), 400, "expected: the certificate's serial number");
        assertRefused(new TrustJson.RevokeRequest(null, "abc123"), 404, "no certificate of serial abc123 is in force");
        assertRefused(
                new TrustJson.RevokeRequest("spiffe://mesh.local/svc/nobody", null),
                404,
                "no certificate of spiffe://mesh.local/svc/nobody is in force");
        assertRefused(
                new TrustJson.RevokeRequest("spiffe://other.local/svc/orders", null),
                400,
                "not a workload of this mesh");
        assertRefused(new TrustJson.RevokeRequest("orders", null), 400, "spiffeId");

        assertThat(admin.trust().join().index()).isEqualTo(index);
        assertThat(admin.revocations().join()).isEmpty();
    }

    private void assertRefused(TrustJson.RevokeRequest request, int status, String message) {
        assertThatThrownBy(() -> admin.revoke(request).join()).satisfies(e -> {
            assertThat(refusal(e).status()).isEqualTo(status);
            assertThat(refusal(e).getMessage()).contains(message);
        });
    }

    @Test
    void aRotationWakesTheTrustWatchAndARetiredRootLeavesTheDiskAndTheBundle() throws Exception {
        final CertificateAuthority ca = RegistryAccess.CA.get(registry);
        final X509Certificate oldRoot = ca.trustBundle().get(0);
        final TrustJson.TrustSnapshot before = admin.trust().join();
        final CompletableFuture<TrustJson.TrustSnapshot> watch =
                admin.watchTrust(before.index(), Duration.ofSeconds(30));

        admin.rotateCa().join();

        assertThat(Pem.readCertificates(watch.get(5, TimeUnit.SECONDS).trustBundle()))
                .hasSize(2);
        final X509Certificate newRoot = ca.trustBundle().get(1);
        assertThat(dataDir.resolve("ca/root-1.key")).exists();

        clock.advance(Duration.ofMinutes(20));

        await().atMost(Duration.ofSeconds(5))
                .until(() ->
                        Pem.readCertificates(admin.trust().join().trustBundle()).size() == 1);
        assertThat(Pem.readCertificates(admin.trust().join().trustBundle())).containsExactly(newRoot);
        assertThat(dataDir.resolve("ca/root-1.key")).doesNotExist();
        assertThat(dataDir.resolve("ca/root-1.crt")).doesNotExist();
        assertThat(Pem.readCertificates(Files.readString(dataDir.resolve(CertificateAuthority.TRUST_BUNDLE))))
                .containsExactly(newRoot)
                .doesNotContain(oldRoot);
    }

    @Test
    void malformedRevocationsAndWatchesAreRefusedWithA4xxAndWriteNothing() throws Exception {
        started(ORDERS);
        final long index = admin.trust().join().index();
        final ClientFactory insecure = ClientFactory.builder().tlsNoVerify().build();
        toClose.add(insecure);
        final String token = Files.readString(dataDir.resolve("admin.token")).strip();
        final WebClient asAdmin = WebClient.builder(registry.uri())
                .factory(insecure)
                .addHeader(HttpHeaderNames.AUTHORIZATION, "Bearer " + token)
                .build();
        final WebClient anonymous =
                WebClient.builder(registry.uri()).factory(insecure).build();

        assertThat(revoke(asAdmin, "{").contentUtf8()).contains("invalid_json");
        assertThat(revoke(asAdmin, "{}").contentUtf8()).contains("give exactly one of spiffeId");
        assertThat(revoke(asAdmin, "{\"spiffeId\": \"spiffe://mesh.local/svc/orders\", \"serial\": \"ab\"}")
                        .contentUtf8())
                .contains("give exactly one of spiffeId");
        assertThat(revoke(asAdmin, "{\"id\": \"orders\"}").contentUtf8()).contains("unknown_field");
        assertThat(revoke(anonymous, "{\"spiffeId\": \"spiffe://mesh.local/svc/orders\"}")
                        .status()
                        .code())
                .isEqualTo(401);
        assertThat(asAdmin.get("/v1/identity/trust?index=abc")
                        .aggregate()
                        .join()
                        .status()
                        .code())
                .isEqualTo(400);
        assertThat(anonymous
                        .get("/v1/identity/trust")
                        .aggregate()
                        .join()
                        .status()
                        .code())
                .isEqualTo(401);

        assertThat(admin.trust().join().index()).isEqualTo(index);
        assertThat(admin.revocations().join()).isEmpty();
    }

    private static AggregatedHttpResponse revoke(WebClient client, String body) {
        final AggregatedHttpResponse res = client.prepare()
                .post("/v1/admin/revocations")
                .content(MediaType.JSON_UTF_8, body)
                .execute()
                .aggregate()
                .join();
        assertThat(res.status().code()).isBetween(400, 499);
        return res;
    }
}
