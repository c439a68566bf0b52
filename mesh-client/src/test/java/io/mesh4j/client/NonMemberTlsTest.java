package io.mesh4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.testing.junit5.server.SelfSignedCertificateExtension;

import io.mesh4j.client.discovery.Discovery;
import io.mesh4j.client.discovery.PeerTransport;
import io.mesh4j.client.policy.ClientPolicy;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.BossGroups;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.core.internal.registry.TrustJson;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;

/**
 * A service outside the mesh given {@link PeerTransport#TLS}: called over plain TLS, its certificate checked against
 * the JVM's trust store (here a trust store of the test's own, through {@code javax.net.ssl.trustStore}, as an
 * operator would add a corporate CA), with no mesh certificate and no SPIFFE check, and left alone when the mesh's
 * own trust changes.
 */
class NonMemberTlsTest {

    @RegisterExtension
    static final SelfSignedCertificateExtension trusted = new SelfSignedCertificateExtension("localhost");

    @RegisterExtension
    static final SelfSignedCertificateExtension untrusted = new SelfSignedCertificateExtension("localhost");

    @TempDir
    Path dir;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private MeshRegistry registry;
    private final String[] savedProperties = new String[3];

    @BeforeEach
    void start() throws Exception {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir.resolve("registry"))
                .build()
                .start()
                .join();
        // The JVM's trust store, as -Djavax.net.ssl.trustStore sets it: read again by the JDK whenever a TLS context
        // is made with the default trust, so this fork's other tests are not affected once it is restored.
        final KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("search", trusted.certificate());
        final Path file = dir.resolve("truststore.p12");
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, "changeit".toCharArray());
        }
        savedProperties[0] = System.getProperty("javax.net.ssl.trustStore");
        savedProperties[1] = System.getProperty("javax.net.ssl.trustStoreType");
        savedProperties[2] = System.getProperty("javax.net.ssl.trustStorePassword");
        System.setProperty("javax.net.ssl.trustStore", file.toString());
        System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
        System.setProperty("javax.net.ssl.trustStorePassword", "changeit");
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        registry.close();
        restore("javax.net.ssl.trustStore", savedProperties[0]);
        restore("javax.net.ssl.trustStoreType", savedProperties[1]);
        restore("javax.net.ssl.trustStorePassword", savedProperties[2]);
    }

    private static void restore(String name, String value) {
        if (value == null) {
            System.clearProperty(name);
        } else {
            System.setProperty(name, value);
        }
    }

    /** An HTTPS server outside the mesh with {@code certificate}; answers with the caller's port. */
    private String serveTls(SelfSignedCertificateExtension certificate, AtomicInteger hits) {
        final Server server = Server.builder()
                .https(0)
                .tls(certificate.certificateFile(), certificate.privateKeyFile())
                .service("/", (ctx, req) -> {
                    hits.incrementAndGet();
                    return HttpResponse.of(Integer.toString(((InetSocketAddress) ctx.remoteAddress()).getPort()));
                })
                .connectionDrainDuration(Duration.ZERO)
                .bossGroupFactory(BossGroups::newBossGroup)
                .build();
        server.start().join();
        toClose.add(server::close);
        return "localhost:" + server.activeLocalPort();
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

    @Test
    void aTlsNonMemberIsCalledOverTlsTheJvmTrustsAndItsConnectionOutlivesAChangeOfTheMeshsTrust() {
        final AtomicInteger searchHits = new AtomicInteger();
        final String search = serveTls(trusted, searchHits);
        final AtomicInteger impostorHits = new AtomicInteger();
        final String impostor = serveTls(untrusted, impostorHits);
        final WorkloadIdentity frontend = identity("frontend");
        final AtomicInteger trustChanges = new AtomicInteger();
        final MeshClient mesh = MeshClient.builder(registry.uri())
                .identity(frontend)
                .discovery("search", Discovery.staticList(search), PeerTransport.TLS)
                .discovery("impostor", Discovery.staticList(impostor), PeerTransport.TLS)
                .policy(
                        "impostor",
                        ClientPolicy.builder().timeout(Duration.ofSeconds(2)).build())
                .build();
        toClose.add(mesh);
        // Registered after the client's own listener: when it runs, the client has swept its connections.
        frontend.onTrustChange(trustChanges::incrementAndGet);

        final String port = mesh.webClient("search").get("/").aggregate().join().contentUtf8();
        assertThat(searchHits).hasValue(1);
        // A certificate the JVM does not trust is refused at the handshake: no request reaches that server.
        assertThat(catchThrowable(
                        () -> mesh.webClient("impostor").get("/").aggregate().join()))
                .isNotNull();
        assertThat(impostorHits).hasValue(0);

        // The mesh's trust changes (a revocation pushed to every member): connections to members are checked
        // against it again; the one to search is not a member's, and stays.
        identity("orders");
        RegistryAccess.ADMIN_CLIENT
                .get(registry)
                .revoke(new TrustJson.RevokeRequest("spiffe://mesh.local/svc/orders", null))
                .join();
        await().atMost(Duration.ofSeconds(10)).until(() -> trustChanges.get() > 0);
        assertThat(mesh.webClient("search").get("/").aggregate().join().contentUtf8())
                .as("the caller's port: the same connection")
                .isEqualTo(port);
    }
}
