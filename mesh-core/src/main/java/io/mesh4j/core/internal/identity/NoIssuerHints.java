package io.mesh4j.core.internal.identity;

import static java.util.Objects.requireNonNull;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A trust manager that checks peers as {@code delegate} does and names no accepted issuers, for a TLS context that
 * outlives trust changes. OpenSSL's context copies the accepted issuers into the certificate request once, when it is
 * built, and a client picks the certificate to present by them: after a CA rotation, a context that named only the
 * old root would get no certificate from a client the new root had issued one (the handshake fails with
 * {@code PEER_DID_NOT_RETURN_A_CERTIFICATE}). With none named, a client presents the one it has, and {@code delegate}
 * checks it against the trust state of the moment. Not API.
 */
public final class NoIssuerHints extends X509ExtendedTrustManager {

    private static final X509Certificate[] NONE = new X509Certificate[0];

    private final X509ExtendedTrustManager delegate;

    public NoIssuerHints(X509ExtendedTrustManager delegate) {
        this.delegate = requireNonNull(delegate, "delegate");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        delegate.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        delegate.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        delegate.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        delegate.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return NONE;
    }

    @Override
    public String toString() {
        return "NoIssuerHints(" + delegate + ')';
    }
}
