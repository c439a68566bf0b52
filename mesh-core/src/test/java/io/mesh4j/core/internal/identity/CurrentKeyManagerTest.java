package io.mesh4j.core.internal.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.server.Server;

import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

/**
 * A TLS server on the key manager can be built before the workload's first certificate is in, and presents only the
 * workload's certificate once it is: the stand-in that passes Armeria's check at build is never shown to a peer.
 */
class CurrentKeyManagerTest {

    private final AtomicReference<@Nullable TlsKeyPair> current = new AtomicReference<>();
    private final CurrentKeyManager keys = new CurrentKeyManager(current::get);

    @Test
    void aServerBuiltBeforeTheFirstCertificatePresentsTheWorkloadsOnceItIsIn() throws Exception {
        final Server server = keys.building(this::newServer);
        try {
            assertThat(keys.chooseEngineServerAlias("EC", null, null))
                    .as("outside a build, nothing stands in")
                    .isNull();

            final TlsKeyPair workload = StandInCertificate.make();
            current.set(workload);
            server.start().join();

            final X509Certificate presented = presentedBy(server.activeLocalPort(SessionProtocol.HTTPS));
            assertThat(presented).isEqualTo(workload.certificateChain().get(0));
            assertThat(presentedBy(server.activeLocalPort(SessionProtocol.HTTPS)))
                    .isEqualTo(workload.certificateChain().get(0));
            assertThat(keys.keysRead())
                    .as("the workload's key, read once; the stand-in's is not counted")
                    .isEqualTo(1);
        } finally {
            server.stop().join();
        }
    }

    @Test
    void withoutTheStandInArmeriasCheckRefusesAServerWithNoCertificateYet() {
        assertThatThrownBy(this::newServer)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("failed to validate SSL/TLS configuration");
    }

    @Test
    void theStandInIsSelfSignedOnAKeyOfItsOwnAndNamesNobody() throws Exception {
        final X509Certificate standIn =
                StandInCertificate.make().certificateChain().get(0);

        standIn.checkValidity();
        standIn.verify(standIn.getPublicKey());
        assertThat(standIn.getSubjectX500Principal()).isEqualTo(standIn.getIssuerX500Principal());
        assertThat(standIn.getSubjectAlternativeNames()).isNull();
        assertThat(standIn.getSubjectX500Principal().getName()).contains("never presented to a peer");
    }

    private Server newServer() {
        return Server.builder()
                .https(0)
                .tls(keys.factory())
                .service("/", (ctx, req) -> HttpResponse.of("ok"))
                .build();
    }

    /** The certificate a server on {@code port} presents to a new connection. */
    private static X509Certificate presentedBy(int port) throws Exception {
        final SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }
}
