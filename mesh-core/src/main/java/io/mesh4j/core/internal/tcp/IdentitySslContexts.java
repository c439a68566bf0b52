package io.mesh4j.core.internal.tcp;

import static java.util.Objects.requireNonNull;

import javax.net.ssl.SSLException;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.TlsKeyPair;

import io.mesh4j.core.identity.WorkloadIdentity;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;

/**
 * A Netty {@link SslContext} of a workload's current certificate, made again after a renewal: a connection opened
 * after it presents the new certificate, and one opened before keeps the one it shook hands with. The peer is checked
 * by the trust manager the factory builds in, which reads the trust bundle at every handshake.
 */
public final class IdentitySslContexts {

    /**
     * The TLS engine of both ends of a mesh TCP connection: the JDK's, whose TLS 1.3 keeps a connection open the
     * other way after a close_notify, so that a half-close (a client that ends what it sends, then reads the answer)
     * crosses the mesh. The OpenSSL engine Armeria's HTTP uses closes both ways at the first close_notify.
     */
    public static final SslProvider PROVIDER = SslProvider.JDK;

    /** Makes a context of a key pair; may throw. */
    @FunctionalInterface
    public interface Factory {
        SslContext newContext(TlsKeyPair keyPair) throws SSLException;
    }

    private final WorkloadIdentity identity;
    private final Factory factory;
    private volatile @Nullable Made made;

    private record Made(TlsKeyPair keyPair, SslContext context) {}

    public IdentitySslContexts(WorkloadIdentity identity, Factory factory) {
        this.identity = requireNonNull(identity, "identity");
        this.factory = requireNonNull(factory, "factory");
    }

    /**
     * The context of the current certificate.
     *
     * @throws IllegalStateException before the workload has its first certificate
     * @throws SSLException if the context cannot be made
     */
    public SslContext current() throws SSLException {
        final @Nullable TlsKeyPair keyPair = identity.keyPair();
        if (keyPair == null) {
            throw new IllegalStateException(identity.id() + " has no certificate yet (expected: identity started)");
        }
        final @Nullable Made made = this.made;
        if (made != null && made.keyPair() == keyPair) {
            return made.context();
        }
        final SslContext context = factory.newContext(keyPair);
        this.made = new Made(keyPair, context);
        return context;
    }
}
