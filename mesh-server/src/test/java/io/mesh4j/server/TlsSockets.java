package io.mesh4j.server;

import java.io.IOException;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import com.linecorp.armeria.common.TlsKeyPair;

import io.mesh4j.core.identity.WorkloadIdentity;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

/**
 * Plain JDK TLS sockets that present a workload's certificate, as a caller of a TCP service: these tests are about
 * what the server admits, so the server's certificate is not checked.
 */
final class TlsSockets {

    static SSLSocket connectAs(WorkloadIdentity identity, int port) throws IOException, GeneralSecurityException {
        final TlsKeyPair keyPair = identity.keyPair();
        if (keyPair == null) {
            throw new IllegalStateException(identity + " has no certificate");
        }
        final KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry(
                "workload",
                keyPair.privateKey(),
                new char[0],
                keyPair.certificateChain().toArray(new X509Certificate[0]));
        final KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, new char[0]);
        final SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keyManagers.getKeyManagers(), InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
        final SSLSocket socket =
                (SSLSocket) tls.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout((int) Duration.ofSeconds(10).toMillis());
        socket.startHandshake();
        return socket;
    }

    private TlsSockets() {}
}
