package io.mesh4j.core.internal.identity;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.function.Supplier;

import com.linecorp.armeria.client.ClientFactory;

import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.core.internal.registry.RegistryClient;

/**
 * Clients of a TLS registry that are not workloads, such as an operator's: they present no certificate and
 * verify the registry by its SPIFFE ID against the trust bundle.
 */
public final class RegistryTrust {

    /**
     * A client factory that trusts the registry of {@code bundle}'s trust domain, and only it.
     */
    public static ClientFactory clientFactory(List<X509Certificate> bundle, Clock clock) {
        requireNonNull(bundle, "bundle");
        return clientFactory(() -> bundle, trustDomainOf(bundle), clock);
    }

    /**
     * A client factory that trusts the registry of {@code trustDomain} against the roots {@code bundle} gives at
     * each handshake: for a client that outlives a CA rotation, whose new connections must trust the registry's
     * certificate of the new root once it serves one.
     */
    public static ClientFactory clientFactory(Supplier<List<X509Certificate>> bundle, String trustDomain, Clock clock) {
        requireNonNull(bundle, "bundle");
        requireNonNull(trustDomain, "trustDomain");
        final SpiffeTrustManager trust = new SpiffeTrustManager(
                bundle,
                trustDomain,
                SpiffeId::isRegistry,
                SpiffeId.ofRegistry(trustDomain).toString(),
                clock,
                new RefusalLog("registry client"));
        return ClientFactory.builder()
                .tlsCustomizer(tls -> tls.trustManager(trust))
                .build();
    }

    /**
     * A client with the operator's rights: the admin token of the registry at {@code uri}, which it verifies
     * against the bundle. Closing the returned client closes its connections.
     */
    public static AdminClient admin(URI uri, String adminToken, String trustBundlePem) {
        return admin(List.of(uri), adminToken, trustBundlePem);
    }

    /** As {@link #admin(URI, String, String)}, for the registry replicas at {@code uris}. */
    public static AdminClient admin(List<URI> uris, String adminToken, String trustBundlePem) {
        return adminWith(uris, adminToken, clientFactory(Pem.readCertificates(trustBundlePem), Clock.systemUTC()));
    }

    /**
     * As {@link #admin(URI, String, String)}, verifying the registry against the roots {@code bundle} gives at each
     * handshake: for a client as long-lived as the registry, which must go on working across a CA rotation.
     */
    public static AdminClient admin(
            URI uri, String adminToken, Supplier<List<X509Certificate>> bundle, String trustDomain) {
        return adminWith(List.of(uri), adminToken, clientFactory(bundle, trustDomain, Clock.systemUTC()));
    }

    private static AdminClient adminWith(List<URI> uris, String adminToken, ClientFactory factory) {
        return new AdminClient(
                RegistryClient.builder(uris)
                        .factory(factory)
                        .adminToken(adminToken)
                        .build(),
                factory);
    }

    /**
     * As {@link #admin(URI, String, String)}, reading the admin token and the trust bundle where a registry keeps
     * them: {@code <data-dir>/admin.token} and {@code <data-dir>/trust-bundle.pem}.
     */
    public static AdminClient admin(URI uri, Path registryDataDir) {
        try {
            return admin(
                    uri,
                    Files.readString(registryDataDir.resolve("admin.token"), StandardCharsets.US_ASCII),
                    Files.readString(registryDataDir.resolve("trust-bundle.pem"), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot read the registry's admin token and trust bundle in " + registryDataDir + ": "
                            + e.getMessage(),
                    e);
        }
    }

    /** An admin {@link RegistryClient} and the connections it owns. */
    public record AdminClient(RegistryClient client, ClientFactory factory) implements AutoCloseable {
        @Override
        public void close() {
            factory.close();
        }
    }

    public static String trustDomainOf(List<X509Certificate> roots) {
        for (X509Certificate root : roots) {
            final SpiffeId id = SpiffeVerifier.idOf(root).orElse(null);
            if (id != null && id.path().isEmpty()) {
                return id.trustDomain();
            }
        }
        throw new IllegalStateException("trust domain: the trust bundle's roots do not name one (expected: a root "
                + "with the URI spiffe://<trust domain>)");
    }

    private RegistryTrust() {}
}
