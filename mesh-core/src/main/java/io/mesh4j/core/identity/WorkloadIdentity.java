package io.mesh4j.core.identity;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.ClientTlsConfig;
import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.common.TlsProvider;
import com.linecorp.armeria.common.util.Exceptions;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.backoff.FullJitterBackoff;
import io.mesh4j.core.internal.identity.CertificateGauges;
import io.mesh4j.core.internal.identity.CertificateRequests;
import io.mesh4j.core.internal.identity.CurrentKeyManager;
import io.mesh4j.core.internal.identity.IdentityAccess;
import io.mesh4j.core.internal.identity.KeyPairs;
import io.mesh4j.core.internal.identity.Pem;
import io.mesh4j.core.internal.identity.RefusalLog;
import io.mesh4j.core.internal.identity.SpiffeTrustManager;
import io.mesh4j.core.internal.identity.SpiffeVerifier;
import io.mesh4j.core.internal.identity.TrustState;
import io.mesh4j.core.internal.registry.DocumentWatch;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.RegistryException;
import io.mesh4j.core.internal.registry.TrustJson.TrustSnapshot;
import io.mesh4j.core.internal.registry.WatchParams;
import io.mesh4j.core.internal.state.StateDir;
import io.mesh4j.core.internal.state.StateHolder;
import io.mesh4j.core.lifecycle.Lifecycle;

/**
 * A workload's identity, {@code spiffe://<trust-domain>/svc/<service>}, kept in memory for as long as it runs.
 *
 * <p>{@link #start()} makes a P-256 key pair (never written anywhere, unless the identity has a
 * {@linkplain WorkloadIdentityBuilder#stateDir state directory}: then the key and certificate are kept there, readable
 * by the workload's user only, for a restart) and asks the registry for a certificate
 * with the join token. From then on the identity renews itself at two thirds of its certificate's life, proving
 * itself with the current certificate, and watches the mesh's trust state (the roots in force and the revoked
 * certificates): a CA rotation, a retired root or a revocation reaches it within a round trip of the registry's
 * push, not at its next renewal. Servers and clients read the current certificate and {@link #trustManager} on
 * every new connection (a mesh server through one TLS context whose key manager presents the current certificate,
 * a mesh client through a TLS spec per certificate), so a renewal reaches live listeners and connection pools
 * without a restart: new connections get the new certificate, open ones finish on the old.
 *
 * <p>The same identity serves a process's {@code MeshServer} and {@code MeshClient}: they are one workload.
 *
 * <pre>{@code
 * WorkloadIdentity identity = WorkloadIdentity.builder(URI.create("https://registry:7070"), "orders")
 *         .joinTokenFile(Path.of("/etc/mesh/token"))
 *         .trustBundleFile(Path.of("/etc/mesh/trust-bundle.pem"))
 *         .build();
 * identity.start().join();   // the first certificate is in
 * }</pre>
 */
public final class WorkloadIdentity implements Lifecycle<WorkloadIdentity> {

    private static final Logger logger = LoggerFactory.getLogger(WorkloadIdentity.class);
    private static final Duration RETRY_BASE = Duration.ofMillis(200);
    private static final Duration RETRY_CAP = Duration.ofSeconds(10);

    private final SpiffeId id;
    private final @Nullable String joinToken;
    /** Read at every join, not once: the kubelet rotates a projected token long before the workload stops. */
    private final @Nullable Path serviceAccountTokenFile;

    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    /** Built on a thread of its own, started by the constructor. */
    private final CompletableFuture<ClientFactory> registryFactory;

    private final RegistryClient registry;
    private final CompletableFuture<WorkloadIdentity> firstCertificate = new CompletableFuture<>();
    private final CopyOnWriteArrayList<Runnable> renewalListeners = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<Runnable> trustListeners = new CopyOnWriteArrayList<>();
    private final DocumentWatch<TrustSnapshot> trustWatch;
    private final FullJitterBackoff backoff = FullJitterBackoff.of(RETRY_BASE, RETRY_CAP);
    private final RefusalLog refusals;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final CurrentKeyManager keyManager = new CurrentKeyManager(this::keyPair);
    private final StateHolder stateHolder = new StateHolder() {
        @Override
        public StateDir keepIn(Path dir) {
            return keepStateIn(dir);
        }

        @Override
        public @Nullable StateDir stateDir() {
            return state;
        }
    };

    /** Where the certificate, its key and the trust state are kept for a restart; {@code null}: nowhere. */
    private volatile @Nullable StateDir state;

    private volatile @Nullable Credentials current;
    private volatile TrustState trust;
    /** Whether the registry's trust watch has answered: from then on it, not a renewal's answer, sets the roots. */
    private volatile boolean trustWatched;

    // Guarded by this.
    private int consecutiveFailures;
    private boolean started;
    private boolean closed;
    private @Nullable ScheduledFuture<?> next;

    static {
        IdentityAccess.REGISTRY_CLIENT.install(identity -> identity.registry);
        IdentityAccess.KEY_MANAGER.install(identity -> identity.keyManager);
        IdentityAccess.STATE.install(identity -> identity.stateHolder);
    }

    WorkloadIdentity(
            List<URI> registryUris,
            ServiceName service,
            String trustDomain,
            @Nullable String joinToken,
            @Nullable Path serviceAccountTokenFile,
            List<X509Certificate> bootstrapBundle,
            Clock clock,
            ScheduledExecutorService scheduler,
            @Nullable Path stateDir) {
        id = SpiffeId.ofService(trustDomain, service);
        state = stateDir != null ? StateDir.open(stateDir) : null;
        this.joinToken = joinToken;
        this.serviceAccountTokenFile = serviceAccountTokenFile;
        this.clock = clock;
        this.scheduler = scheduler;
        trust = TrustState.of(bootstrapBundle);
        refusals = new RefusalLog(id.toString());
        // The registry is verified by its SPIFFE ID, against the bundle as it is now; this workload presents its
        // current certificate, none before the first.
        // Before the first TLS context that presents this workload's certificate registers Armeria's gauges.
        CertificateGauges.quiet();
        final X509ExtendedTrustManager registryTrust = trustManager(
                SpiffeId::isRegistry, SpiffeId.ofRegistry(trustDomain).toString());
        // Armeria's client side takes about a second to set up in a cold JVM (its default and insecure client
        // factories come with the first WebClient): built on a thread of its own, so that it overlaps what the
        // workload does meanwhile (a mesh server builds its Armeria server, the key and the CSR are made) instead of
        // coming before it. Calls to the registry made before it is built wait for it.
        registryFactory = new CompletableFuture<>();
        registry = RegistryClient.of(registryUris, registryFactory);
        trustWatch = new DocumentWatch<>(
                "the trust state of " + trustDomain,
                index -> index < 0 ? registry.trust() : registry.watchTrust(index, WatchParams.DEFAULT_WAIT),
                TrustSnapshot::index,
                this::onTrust,
                scheduler);
        final Thread building =
                new Thread(() -> buildRegistryFactory(registryTrust), "mesh4j-registry-client-" + service);
        building.setDaemon(true);
        building.start();
    }

    /** Builds the client factory of the registry's connections; see the constructor. */
    private void buildRegistryFactory(X509ExtendedTrustManager registryTrust) {
        try {
            // The provider's key pair keys the TLS spec, so that a new certificate opens new connections (the first
            // one the connection that asked for it without a certificate); the key manager presents it. Left to
            // Armeria, the key pair would reach Netty as a key and chain, which it turns into a context through a
            // PKCS#12 key store written and read back (two PBKDF2 derivations of 10,000 rounds, in code not yet
            // compiled at a workload's start): on the path from the first certificate to the first watches, every
            // start, every renewal.
            final KeyManagerFactory registryKeys = new CurrentKeyManager(this::keyPair).factory();
            registryFactory.complete(ClientFactory.builder()
                    .tlsProvider(
                            tlsProvider(),
                            ClientTlsConfig.builder()
                                    .tlsCustomizer(tls ->
                                            tls.trustManager(registryTrust).keyManager(registryKeys))
                                    .build())
                    .build());
        } catch (Throwable t) {
            registryFactory.completeExceptionally(t);
        }
    }

    /**
     * Returns a builder of the identity of a workload of {@code service}, issued by the registry at
     * {@code registryUri}.
     *
     * @param registryUri the registry's {@code https://} URI
     * @param service the service the workload belongs to, a DNS-1123 label such as {@code "orders"}
     * @return a new builder
     * @throws IllegalArgumentException if the URI is not {@code https://} or the service name is invalid
     */
    public static WorkloadIdentityBuilder builder(URI registryUri, String service) {
        return builder(List.of(requireNonNull(registryUri, "registryUri")), service);
    }

    /**
     * Returns a builder of the identity of a workload of {@code service}, issued by the registry replicas at
     * {@code registryUris} (replicas over one etcd, which share one CA root). Calls go to the first until it fails,
     * then to the next: certificate requests and renewals, and the trust watch, which resumes by its index.
     *
     * @param registryUris the replicas' {@code https://} URIs, at least one, each once
     * @param service the service the workload belongs to, a DNS-1123 label such as {@code "orders"}
     * @return a new builder
     * @throws IllegalArgumentException if the list is empty or repeats an address, a URI is not {@code https://},
     *     or the service name is invalid
     */
    public static WorkloadIdentityBuilder builder(List<URI> registryUris, String service) {
        return new WorkloadIdentityBuilder(RegistryClient.checkUris(registryUris), ServiceName.of(service));
    }

    /**
     * Gets the first certificate; completes once it is in. With a {@linkplain WorkloadIdentityBuilder#stateDir state
     * directory} that holds a certificate of this identity still valid, that certificate is in at once, and renewed
     * with itself when its life is two thirds through (at once if it is past that), whether or not the registry can
     * be reached: no join token is used. Otherwise the join token is sent. While the registry is away it keeps
     * trying, and the future stays pending; a refusal (a bad or used-up token) fails it with the registry's reason,
     * and an identity built without a join token (and no usable certificate in its state directory) fails it at once
     * with an {@link IllegalStateException}.
     *
     * @return a future that completes with this identity once its first certificate is in
     * @throws IllegalStateException if the identity was stopped
     */
    @Override
    public synchronized CompletableFuture<WorkloadIdentity> start() {
        if (closed) {
            throw new IllegalStateException(id + ": the identity was stopped (expected: a new one from its builder)");
        }
        if (!started) {
            started = true;
            if (restore()) {
                return firstCertificate;
            }
            if (joinToken == null && serviceAccountTokenFile == null) {
                final @Nullable StateDir state = this.state;
                firstCertificate.completeExceptionally(new IllegalStateException(id + " has no join token"
                        + (state != null ? " and no usable certificate in its state dir " + state.path() : "")
                        + ": ask the operator for one (meshctl token create --service "
                        + id.service().map(Object::toString).orElse("<service>")
                        + "), or on Kubernetes join with the pod's service-account token "
                        + "(WorkloadIdentityBuilder.serviceAccountTokenFile)"));
            } else {
                request();
            }
        }
        return firstCertificate;
    }

    /**
     * Returns the future of the first certificate, for callers that need not start the identity themselves: it
     * completes only once somebody has called {@link #start()}.
     *
     * @return the future that {@link #start()} returns
     */
    public CompletableFuture<WorkloadIdentity> whenReady() {
        return firstCertificate;
    }

    /**
     * Returns the workload's SPIFFE ID, {@code spiffe://<trust-domain>/svc/<service>}.
     *
     * @return the ID
     */
    public SpiffeId id() {
        return id;
    }

    /**
     * Returns the trust domain of the mesh, as set or read from the trust bundle.
     *
     * @return the trust domain, such as {@code mesh.local}
     */
    public String trustDomain() {
        return id.trustDomain();
    }

    /**
     * Returns the current certificate chain and private key.
     *
     * @return the key pair; {@code null} before the first certificate is in
     */
    public @Nullable TlsKeyPair keyPair() {
        final Credentials credentials = current;
        return credentials == null ? null : credentials.keyPair;
    }

    /**
     * Returns when the current certificate expires.
     *
     * @return the certificate's end of validity; {@code null} before the first certificate is in
     */
    public @Nullable Instant expiresAt() {
        final Credentials credentials = current;
        return credentials == null ? null : credentials.expiresAt;
    }

    /**
     * Returns the roots this workload trusts now: the builder's bundle until the registry sends its own, then the
     * registry's latest.
     *
     * @return an unmodifiable list of CA certificates
     */
    public List<X509Certificate> trustBundle() {
        return trust.roots();
    }

    /**
     * Returns the current certificate for Armeria's servers and client factories, read on every new connection.
     * It presents no certificate before the first is in, and trusts the current trust bundle; closing it leaves
     * the identity alone.
     *
     * @return a new provider, backed by this identity
     */
    public TlsProvider tlsProvider() {
        return new TlsProvider() {
            @Override
            public @Nullable TlsKeyPair keyPair(String hostname) {
                return WorkloadIdentity.this.keyPair();
            }

            @Override
            public List<X509Certificate> trustedCertificates(String hostname) {
                return trust.roots();
            }

            @Override
            public boolean autoClose() {
                return false;
            }
        };
    }

    /**
     * Returns a trust manager that accepts peers of this trust domain that {@code accepted} admits, verified against
     * the trust bundle as it is at each handshake, and refuses the certificates the registry has revoked.
     *
     * <pre>{@code
     * identity.trustManager(id -> id.service().isPresent(), "a service of the mesh")
     * }</pre>
     *
     * @param accepted which SPIFFE IDs of the trust domain to accept
     * @param acceptedDescription what {@code accepted} admits, in words, for the message of a refused handshake
     * @return a new trust manager
     */
    public X509ExtendedTrustManager trustManager(Predicate<SpiffeId> accepted, String acceptedDescription) {
        return SpiffeTrustManager.revoking(() -> trust, trustDomain(), accepted, acceptedDescription, clock, refusals);
    }

    /**
     * Returns the registry this identity gets its certificates from: of several replicas, the one it talks to now.
     *
     * @return the URI given to {@link #builder(URI, String)}, or the current one of those given to
     *     {@link #builder(List, String)}
     */
    public URI registryUri() {
        return registry.uri();
    }

    /**
     * Returns every registry replica this identity may talk to, in the order given.
     *
     * @return the URIs given to the builder
     */
    public List<URI> registryUris() {
        return registry.uris();
    }

    /**
     * Runs {@code listener} after every renewal (not the first certificate), on the thread that received the
     * registry's answer.
     *
     * @param listener what to run; it should return quickly, for the identity waits for it
     */
    public void onRenewal(Runnable listener) {
        renewalListeners.add(requireNonNull(listener, "listener"));
    }

    /**
     * Runs {@code listener} after every change of the trust state the registry pushes (a root added or retired, a
     * certificate revoked), on the thread that received it. The mesh's servers and clients close the connections
     * whose peer the new state refuses; a listener of a server of your own may do the same.
     *
     * @param listener what to run; it should return quickly
     */
    public void onTrustChange(Runnable listener) {
        trustListeners.add(requireNonNull(listener, "listener"));
    }

    private void onTrust(TrustSnapshot snapshot) {
        // Pushed over the registry's TLS, verified against the roots this workload trusts already: a new root comes
        // only from the registry that holds the old one. A push without a root (Pem refuses it) changes nothing.
        final List<X509Certificate> roots = Pem.readCertificates(snapshot.trustBundle());
        final @Nullable StateDir state = this.state;
        if (state != null) {
            state.saveTrust(snapshot);
        }
        final TrustState previous = trust;
        trust = TrustState.of(roots, snapshot.revocations());
        trustWatched = true;
        if (previous.roots().equals(roots) && previous.revocations().equals(snapshot.revocations())) {
            return;
        }
        logger.info(
                "{}: trust state at index {}: {} roots, {} revocations",
                id,
                snapshot.index(),
                roots.size(),
                snapshot.revocations().size());
        final Credentials credentials = current;
        if (credentials != null) {
            final @Nullable String revoked =
                    trust.revocationOf(credentials.keyPair.certificateChain().get(0), id);
            if (revoked != null) {
                logger.error(
                        "{}: this workload's own certificate is revoked ({}): peers refuse it and the registry will "
                                + "not renew it. Ask the operator for a new join token (meshctl token create "
                                + "--service {}) and restart the workload with it",
                        id,
                        revoked,
                        id.service().map(Object::toString).orElse("<service>"));
            }
        }
        trustListeners.forEach(Runnable::run);
    }

    /**
     * Puts the trust state and the certificate of the state directory in force, if there is one and they are fit:
     * the certificate of this identity, issued by a root trusted now, unexpired, unrevoked, and the key its own.
     *
     * @return whether the certificate is in, so that no join token is needed
     */
    private boolean restore() {
        final @Nullable StateDir state = this.state;
        if (state == null) {
            return false;
        }
        final StateDir.@Nullable Saved<TrustSnapshot> savedTrust = state.trust();
        if (savedTrust != null) {
            try {
                // The registry's latest word this workload heard, over the registry's verified TLS: newer than the
                // bundle it was started with, which may predate a CA rotation.
                final List<X509Certificate> roots =
                        Pem.readCertificates(savedTrust.value().trustBundle());
                trust = TrustState.of(roots, savedTrust.value().revocations());
                state.status()
                        .restored(
                                "the trust state: " + roots.size() + " roots, "
                                        + savedTrust.value().revocations().size() + " revocations",
                                savedTrust.savedAt());
            } catch (IllegalArgumentException e) {
                logger.warn("{}: not using the trust state in {} ({})", id, state.path(), e.getMessage());
            }
        }
        final StateDir.@Nullable Saved<StateDir.Credentials> saved = state.credentials();
        if (saved == null) {
            return false;
        }
        final List<X509Certificate> chain = saved.value().chain();
        final X509Certificate leaf = chain.get(0);
        try {
            final SpiffeId proven = SpiffeVerifier.verify(
                    chain.toArray(new X509Certificate[0]),
                    trust.roots(),
                    trustDomain(),
                    SpiffeVerifier.PeerRole.CLIENT,
                    clock.instant());
            if (!proven.equals(id)) {
                throw new CertificateException("it is the certificate of " + proven);
            }
            final @Nullable String revoked = trust.revocationOf(leaf, id);
            if (revoked != null) {
                throw new CertificateException("it is revoked (" + revoked + ')');
            }
            checkKeyOf(leaf, saved.value().key());
        } catch (CertificateException e) {
            logger.warn(
                    "{}: not using the certificate in {}: {}; {}",
                    id,
                    state.path(),
                    e.getMessage(),
                    joinToken != null
                            ? "joining with the join token"
                            : serviceAccountTokenFile != null
                                    ? "joining with the service-account token"
                                    : "and there is no join token to join with");
            return false;
        }
        final Instant expiresAt = leaf.getNotAfter().toInstant();
        current = new Credentials(TlsKeyPair.of(saved.value().key(), chain), expiresAt);
        state.status().restored("the certificate until " + expiresAt, saved.savedAt());
        logger.info(
                "{}: started with its certificate from {} (until {}), without a join token",
                id,
                state.path(),
                expiresAt);
        // Renewed with the certificate itself when a running workload would have: two thirds of the way from when it
        // received it (when it was kept; its notBefore is backdated for clock skew) to its end, at once if past.
        final Instant received = saved.savedAt();
        final Instant renewAt = received.plus(
                Duration.between(received, expiresAt).multipliedBy(2).dividedBy(3));
        schedule(Duration.between(clock.instant(), renewAt).toMillis());
        firstCertificate.complete(this);
        trustWatch.start();
        return true;
    }

    /** Whether {@code key} is the key {@code certificate} was issued for: it signs what the certificate verifies. */
    private static void checkKeyOf(X509Certificate certificate, PrivateKey key) throws CertificateException {
        final String algorithm = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
        final byte[] probe = "mesh4j key check".getBytes(StandardCharsets.US_ASCII);
        try {
            final Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            final byte[] signature = signer.sign();
            final Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            if (!verifier.verify(signature)) {
                throw new CertificateException("its key is not the certificate's");
            }
        } catch (GeneralSecurityException e) {
            throw new CertificateException("its key is not the certificate's (" + e.getMessage() + ')', e);
        }
    }

    /** Keeps the state in {@code dir} from now on; see {@link StateHolder#keepIn}. */
    private synchronized StateDir keepStateIn(Path dir) {
        final Path path = requireNonNull(dir, "dir").toAbsolutePath().normalize();
        final @Nullable StateDir kept = state;
        if (kept != null) {
            if (kept.path().equals(path)) {
                return kept;
            }
            throw new IllegalArgumentException("state dir: " + dir + " (expected: " + kept.path() + ", where the "
                    + "identity " + id + " keeps its state; the mesh client and server of one workload share one)");
        }
        final StateDir opened = StateDir.open(path);
        state = opened;
        if (started) {
            logger.warn(
                    "{}: given the state dir {} after it started: it keeps its state there from now on, but a restart "
                            + "in the same order will not start from it (expected: the state dir given before the "
                            + "identity starts: WorkloadIdentityBuilder.stateDir(..), or the mesh client and server "
                            + "built before it starts)",
                    id,
                    path);
            final @Nullable Credentials credentials = current;
            if (credentials != null) {
                opened.saveCredentials(credentials.keyPair.privateKey(), credentials.keyPair.certificateChain());
            }
        }
        return opened;
    }

    private synchronized void request() {
        if (closed) {
            return;
        }
        final KeyPair key = KeyPairs.newP256();
        final boolean renewal = current != null;
        @Nullable String serviceAccountToken = null;
        if (!renewal && joinToken == null && serviceAccountTokenFile != null) {
            try {
                serviceAccountToken = readServiceAccountToken(serviceAccountTokenFile);
            } catch (IllegalStateException e) {
                logger.warn("{}", e.getMessage());
                firstCertificate.completeExceptionally(e);
                return;
            }
        }
        final IdentityJson.CsrRequest csr = new IdentityJson.CsrRequest(
                CertificateRequests.create(key, id), renewal ? null : joinToken, serviceAccountToken);
        registry.requestCertificate(csr).whenComplete((answer, cause) -> {
            if (cause != null) {
                onFailure(Exceptions.peel(cause), renewal);
            } else {
                onCertificate(key, answer, renewal);
            }
        });
    }

    private String readServiceAccountToken(Path file) {
        final String token;
        try {
            token = Files.readString(file, StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw new IllegalStateException(
                    id + ": cannot read the service-account token " + file + " (" + e
                            + "): expected a projected token with audience mesh4j, mounted by the pod spec's "
                            + "serviceAccountToken volume",
                    e);
        }
        if (token.isEmpty()) {
            throw new IllegalStateException(id + ": the service-account token " + file + " is empty (expected: a "
                    + "projected token with audience mesh4j, mounted by the pod spec's serviceAccountToken volume)");
        }
        return token;
    }

    private synchronized void onCertificate(KeyPair key, IdentityJson.CsrAnswer answer, boolean renewal) {
        final List<X509Certificate> chain;
        final List<X509Certificate> bundle;
        try {
            chain = Pem.readCertificates(answer.certificateChain());
            bundle = Pem.readCertificates(answer.trustBundle());
        } catch (IllegalArgumentException e) {
            onFailure(e, renewal);
            return;
        }
        final Instant now = clock.instant();
        final Instant expiresAt = chain.get(0).getNotAfter().toInstant();
        if (!trustWatched) {
            // Until the watch answers (or against a registry that predates it) the renewals bring the roots.
            trust = trust.withRoots(bundle);
        }
        current = new Credentials(TlsKeyPair.of(key.getPrivate(), chain), expiresAt);
        final @Nullable StateDir state = this.state;
        if (state != null) {
            state.saveCredentials(key.getPrivate(), chain);
        }
        if (consecutiveFailures > 0) {
            logger.info("{}: the registry issues again after {} failed requests", id, consecutiveFailures);
            consecutiveFailures = 0;
        }
        logger.info("{}: {} certificate until {}", id, renewal ? "renewed the" : "got its first", expiresAt);
        // Renew at two thirds of the life left now, so that two more tries fit before it ends.
        final Duration untilRenewal =
                Duration.between(now, expiresAt).multipliedBy(2).dividedBy(3);
        schedule(untilRenewal.toMillis());
        if (renewal) {
            renewalListeners.forEach(Runnable::run);
        } else {
            firstCertificate.complete(this);
            // Watched with the certificate, since a TLS registry answers only workloads it knows.
            trustWatch.start();
        }
    }

    private synchronized void onFailure(Throwable cause, boolean renewal) {
        if (!renewal && unknownIssuer(cause) != null) {
            // Not a registry that is away: one that proves itself with a root this workload was never given. Either
            // the bundle predates a CA rotation whose new root signs now, or this is not the mesh's registry; in
            // neither case will trying again help, and waiting forever would hide it.
            final IllegalStateException stale = new IllegalStateException(id + ": the registry at " + registry.uri()
                    + " presents a certificate that no root of this workload's trust bundle issued ("
                    + unknownIssuer(cause) + "). The trust bundle is probably older than a CA rotation (meshctl ca "
                    + "rotate): fetch the current one (meshctl bundle > trust-bundle.pem, or copy "
                    + "<data-dir>/trust-bundle.pem from the registry) and start the workload again with it");
            logger.error("{}", stale.getMessage());
            firstCertificate.completeExceptionally(stale);
            return;
        }
        if (!renewal && registryFactory.isCompletedExceptionally()) {
            // Not the registry: this process could not set up a client of it. Trying again would not help.
            final IllegalStateException broken =
                    new IllegalStateException(id + ": cannot set up the client of the registry: " + cause, cause);
            logger.error("{}", broken.getMessage());
            firstCertificate.completeExceptionally(broken);
            return;
        }
        if (!renewal && cause instanceof RegistryException) {
            final int status = ((RegistryException) cause).status();
            // 429 is the registry's limit of certificate requests per source address (many workloads starting
            // behind one NAT): that one passes if tried again later, as every failure below.
            if (status >= 400 && status < 500 && status != 429) {
                // The registry refused (a used-up or revoked token, say): trying again cannot help.
                logger.warn("{}: the registry refused a first certificate: {}", id, cause.getMessage());
                firstCertificate.completeExceptionally(cause);
                return;
            }
        }
        consecutiveFailures++;
        final Instant expiresAt = expiresAt();
        if (consecutiveFailures == 1) {
            final @Nullable String unknownIssuer = unknownIssuer(cause);
            logger.warn(
                    "{}: cannot get a certificate from the registry ({}){}; trying again",
                    id,
                    unknownIssuer != null
                            ? unknownIssuer + "; the trust bundle lacks the root the registry's certificate is "
                                    + "issued by, which the trust state's watch brings (is it failing?)"
                            : cause.toString(),
                    expiresAt != null ? ", the current one lasts until " + expiresAt : "");
        }
        schedule(backoff.nextDelayMillis(consecutiveFailures));
    }

    private void schedule(long delayMillis) {
        if (!closed) {
            next = scheduler.schedule(this::request, Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
        }
    }

    private static @Nullable String unknownIssuer(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SpiffeVerifier.UnknownIssuerException) {
                return t.getMessage();
            }
            for (Throwable suppressed : t.getSuppressed()) {
                if (suppressed instanceof SpiffeVerifier.UnknownIssuerException) {
                    return suppressed.getMessage();
                }
            }
        }
        return null;
    }

    /** Stops renewing and closes the connections to the registry; the certificate in hand stays usable. */
    @Override
    public CompletableFuture<Void> stop() {
        synchronized (this) {
            if (closed) {
                return stopped;
            }
            closed = true;
            trustWatch.close();
            if (next != null) {
                next.cancel(false);
            }
        }
        // Outside the lock: closing the factory waits for its event loops, and one of them may be waiting for this
        // lock to hand in a certificate that was on its way (a deadlock CI met with 10 s certificates).
        final @Nullable ClientFactory factory =
                registryFactory.handle((built, cause) -> built).join();
        if (factory != null) {
            factory.close();
        }
        final @Nullable StateDir state = this.state;
        if (state != null) {
            state.flush(Duration.ofSeconds(2));
        }
        stopped.complete(null);
        return stopped;
    }

    /**
     * Returns the ID and the expiry, such as {@code WorkloadIdentity(spiffe://mesh.local/svc/orders, expiresAt=...)}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return "WorkloadIdentity(" + id + ", expiresAt=" + expiresAt() + ')';
    }

    private static final class Credentials {
        final TlsKeyPair keyPair;
        final Instant expiresAt;

        Credentials(TlsKeyPair keyPair, Instant expiresAt) {
            this.keyPair = keyPair;
            this.expiresAt = expiresAt;
        }
    }
}
