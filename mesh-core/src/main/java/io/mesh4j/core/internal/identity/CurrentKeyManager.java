package io.mesh4j.core.internal.identity;

import static java.util.Objects.requireNonNull;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.TlsKeyPair;

import io.netty.handler.ssl.OpenSslCachingX509KeyManagerFactory;
import io.netty.handler.ssl.util.KeyManagerFactoryWrapper;

/**
 * A key manager that presents a workload's current certificate at every handshake, so that one TLS context serves a
 * listener for its whole life and a renewal reaches the next handshake without a new context.
 *
 * <p>Why not a context per key pair, as Armeria's {@code TlsProvider} makes: Netty turns a key pair into a context by
 * storing the key in a PKCS#12 key store and reading it back (two PBKDF2 derivations of 10,000 rounds each), and
 * Armeria keeps a context only while a connection holds it. Once every connection of a listener had closed (callers
 * idle for Armeria's 15 s), the next caller's handshake paid for a new context, key store and all: the "TLS contexts
 * rebuilt under load" that the benchmark's profiles of a path that had been idle showed.
 *
 * <p>Each key pair gets an alias of its own, so that the caching OpenSSL provider of {@link #factory()} converts each
 * certificate once, and never serves a renewed certificate from its predecessor's cache. Not API.
 */
public final class CurrentKeyManager extends X509ExtendedKeyManager {

    /** The alias of the {@link StandInCertificate}, which no key pair of the workload's is ever given. */
    private static final String STAND_IN_ALIAS = "mesh4j-stand-in";

    private final Supplier<@Nullable TlsKeyPair> current;
    private final AtomicLong aliases = new AtomicLong();
    private final AtomicInteger keysRead = new AtomicInteger();
    private volatile @Nullable Issued issued;
    /** How many {@link #building} calls are under way: only then, and before the first certificate, the stand-in. */
    private final AtomicInteger building = new AtomicInteger();
    // Guarded by this; read without it once made.
    private volatile @Nullable TlsKeyPair standIn;

    /**
     * A key pair and its alias, with the one before it: a handshake that chose its alias just before a renewal still
     * finds its key.
     */
    private record Issued(
            TlsKeyPair keyPair, String alias, @Nullable Issued previous) {}

    /** @param current the workload's current key pair, null before the first certificate */
    public CurrentKeyManager(Supplier<@Nullable TlsKeyPair> current) {
        this.current = requireNonNull(current, "current");
    }

    /**
     * Returns a key manager factory of this key manager for a TLS context that lives as long as the listener: with
     * OpenSSL it converts the key of each alias once and keeps it, with the JDK's engine it reads the key manager.
     */
    public KeyManagerFactory factory() {
        return new OpenSslCachingX509KeyManagerFactory(new KeyManagerFactoryWrapper(this));
    }

    /**
     * Builds a TLS server whose context is made of {@link #factory()} while {@code build} runs: Armeria checks a
     * server's context with an in-memory handshake when it builds the server, which needs a certificate to present.
     * Before the workload's first certificate is in, this key manager presents a {@link StandInCertificate} to
     * that handshake, so that a server can be built while its certificate is on its way; the caller binds the
     * server only once the certificate is in, and from then on the workload's own is presented, the stand-in never.
     * Once the first certificate is in, this is {@code build.get()}.
     *
     * @param build builds the server, and returns it unstarted
     * @return what {@code build} returned
     */
    public <T> T building(Supplier<T> build) {
        if (current.get() == null) {
            makeStandIn();
        }
        building.incrementAndGet();
        try {
            return build.get();
        } finally {
            building.decrementAndGet();
        }
    }

    private synchronized void makeStandIn() {
        if (standIn == null) {
            standIn = StandInCertificate.make();
        }
    }

    /**
     * Returns how many times a TLS context read a private key from this key manager: with OpenSSL's cache, once per
     * context and key pair, whatever the number of handshakes; the stand-in of {@link #building} is not counted. For
     * tests.
     */
    public int keysRead() {
        return keysRead.get();
    }

    private @Nullable String currentAlias(String keyType) {
        final @Nullable TlsKeyPair keyPair = current.get();
        if (keyPair == null) {
            final @Nullable TlsKeyPair standIn = this.standIn;
            return building.get() > 0 && standIn != null && matches(keyType, standIn) ? STAND_IN_ALIAS : null;
        }
        if (!matches(keyType, keyPair)) {
            return null;
        }
        return issue(keyPair).alias();
    }

    private Issued issue(TlsKeyPair keyPair) {
        final @Nullable Issued last = issued;
        if (last != null && last.keyPair() == keyPair) {
            return last;
        }
        synchronized (this) {
            final @Nullable Issued now = issued;
            if (now != null && now.keyPair() == keyPair) {
                return now;
            }
            final Issued next = new Issued(
                    keyPair,
                    "mesh4j-" + aliases.incrementAndGet(),
                    now == null ? null : new Issued(now.keyPair(), now.alias(), null));
            issued = next;
            return next;
        }
    }

    private @Nullable TlsKeyPair keyPairOf(String alias) {
        if (STAND_IN_ALIAS.equals(alias)) {
            return standIn;
        }
        for (Issued i = issued; i != null; i = i.previous()) {
            if (i.alias().equals(alias)) {
                return i.keyPair();
            }
        }
        return null;
    }

    /** {@code EC} for an EC key, and the {@code EC_EC} / {@code EC_RSA} of TLS 1.2's static ECDH suites. */
    private static boolean matches(@Nullable String keyType, TlsKeyPair keyPair) {
        final String algorithm = keyPair.privateKey().getAlgorithm();
        return keyType == null || keyType.equals(algorithm) || keyType.startsWith(algorithm + '_');
    }

    private @Nullable String anyAlias(String @Nullable [] keyTypes) {
        if (keyTypes == null) {
            return currentAlias("");
        }
        for (String keyType : keyTypes) {
            final @Nullable String alias = currentAlias(keyType);
            if (alias != null) {
                return alias;
            }
        }
        return null;
    }

    @Override
    public String @Nullable [] getClientAliases(String keyType, Principal @Nullable [] issuers) {
        final @Nullable String alias = currentAlias(keyType);
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public @Nullable String chooseClientAlias(
            String @Nullable [] keyTypes, Principal @Nullable [] issuers, @Nullable Socket socket) {
        return anyAlias(keyTypes);
    }

    @Override
    public @Nullable String chooseEngineClientAlias(
            String @Nullable [] keyTypes, Principal @Nullable [] issuers, @Nullable SSLEngine engine) {
        return anyAlias(keyTypes);
    }

    @Override
    public String @Nullable [] getServerAliases(String keyType, Principal @Nullable [] issuers) {
        return getClientAliases(keyType, issuers);
    }

    @Override
    public @Nullable String chooseServerAlias(String keyType, Principal @Nullable [] issuers, @Nullable Socket socket) {
        return currentAlias(keyType);
    }

    @Override
    public @Nullable String chooseEngineServerAlias(
            String keyType, Principal @Nullable [] issuers, @Nullable SSLEngine engine) {
        return currentAlias(keyType);
    }

    @Override
    public X509Certificate @Nullable [] getCertificateChain(String alias) {
        final @Nullable TlsKeyPair keyPair = keyPairOf(alias);
        return keyPair == null ? null : keyPair.certificateChain().toArray(new X509Certificate[0]);
    }

    @Override
    public @Nullable PrivateKey getPrivateKey(String alias) {
        final @Nullable TlsKeyPair keyPair = keyPairOf(alias);
        if (keyPair == null) {
            return null;
        }
        if (!STAND_IN_ALIAS.equals(alias)) {
            keysRead.incrementAndGet();
        }
        return keyPair.privateKey();
    }

    @Override
    public String toString() {
        final @Nullable Issued last = issued;
        return "CurrentKeyManager(" + (last == null ? "no key yet" : last.alias()) + ')';
    }
}
