package io.mesh4j.registry;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.IntSupplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Ticker;
import com.linecorp.armeria.common.CommonPools;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServerPort;
import com.linecorp.armeria.server.ServerTlsConfig;

import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.authz.DefaultPolicy;
import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.core.internal.BossGroups;
import io.mesh4j.core.internal.identity.Pem;
import io.mesh4j.core.internal.identity.RefusalLog;
import io.mesh4j.core.internal.identity.RegistryTrust;
import io.mesh4j.core.internal.identity.SpiffeTrustManager;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.lifecycle.Lifecycle;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.registry.internal.api.Access;
import io.mesh4j.registry.internal.api.Readiness;
import io.mesh4j.registry.internal.api.RegistryApi;
import io.mesh4j.registry.internal.api.SourceRateLimit;
import io.mesh4j.registry.internal.api.StaleReads;
import io.mesh4j.registry.internal.audit.AuditLog;
import io.mesh4j.registry.internal.ca.CertificateAuthority;
import io.mesh4j.registry.internal.ca.OperatorRoot;
import io.mesh4j.registry.internal.ca.RegistryCertificate;
import io.mesh4j.registry.internal.documents.DocumentStore;
import io.mesh4j.registry.internal.documents.Documents;
import io.mesh4j.registry.internal.documents.MeshDefaultPolicy;
import io.mesh4j.registry.internal.instances.InstanceTable;
import io.mesh4j.registry.internal.kubernetes.TokenReviewer;
import io.mesh4j.registry.internal.metrics.MetricsApi;
import io.mesh4j.registry.internal.quota.LocalQuotaHolders;
import io.mesh4j.registry.internal.store.FileRegistryStore;
import io.mesh4j.registry.internal.store.StoreUnavailableException;
import io.mesh4j.registry.internal.store.StoredRegistry;
import io.mesh4j.registry.internal.store.etcd.EtcdConnection;
import io.mesh4j.registry.internal.store.etcd.EtcdDocuments;
import io.mesh4j.registry.internal.store.etcd.EtcdInstances;
import io.mesh4j.registry.internal.store.etcd.EtcdIssuedCertificates;
import io.mesh4j.registry.internal.store.etcd.EtcdKeyHolders;
import io.mesh4j.registry.internal.store.etcd.EtcdQuotaHolders;
import io.mesh4j.registry.internal.store.etcd.EtcdTokens;
import io.mesh4j.registry.internal.store.etcd.EtcdViewerTokens;
import io.mesh4j.registry.internal.tokens.AdminToken;
import io.mesh4j.registry.internal.tokens.JoinTokens;
import io.mesh4j.registry.internal.tokens.ViewerToken;
import io.mesh4j.registry.internal.tokens.ViewerTokens;
import io.mesh4j.registry.internal.trust.MeshTrust;
import io.netty.handler.ssl.ClientAuth;

/**
 * The mesh4j registry, embeddable: the registry contract on one port, kept in a data directory that survives
 * restarts. By default it serves over TLS with a certificate from its own CA (made in the data directory on the
 * first start), issues workloads their certificates, and knows its callers by them; {@link Builder#plaintext()}
 * turns all of that off.
 *
 * <pre>{@code
 * try (MeshRegistry registry = MeshRegistry.builder().host("127.0.0.1").port(0).dataDir(dir).build()) {
 *     registry.start();
 *     URI uri = registry.uri();   // give it to workloads, with trustBundlePem()
 *     ...
 * }
 * }</pre>
 *
 * <p>Unlike the other components, a registry starts and stops on the calling thread: {@link #start()} and
 * {@link #stop()} return completed futures, and a failure to start is thrown rather than put in the future.
 */
public final class MeshRegistry implements Lifecycle<MeshRegistry> {

    /** The port unless set: 7070. */
    public static final int DEFAULT_PORT = 7070;

    static {
        RegistryAccess.ADMIN_CLIENT.install(MeshRegistry::adminClient);
        RegistryAccess.CA.install(MeshRegistry::ca);
    }

    /** The address unless set: {@code 0.0.0.0}, every address of the machine. */
    public static final String DEFAULT_HOST = "0.0.0.0";
    /** The trust domain unless set: {@code mesh.local}. */
    public static final String DEFAULT_TRUST_DOMAIN = "mesh.local";
    /** How long issued certificates live unless set: 24 hours. */
    public static final Duration DEFAULT_LEAF_LIFETIME = Duration.ofHours(24);

    private static final Logger logger = LoggerFactory.getLogger(MeshRegistry.class);

    private final String host;
    private final int port;
    private final Path dataDir;
    private final Ticker ticker;
    private final Duration sweepInterval;
    private final int leaseSlackPercent;
    private final @Nullable Duration requestTimeout;
    private final boolean plaintext;
    private final String trustDomain;
    private final Duration leafLifetime;
    private final @Nullable Path operatorRootCertificate;
    private final @Nullable Path operatorRootKey;
    private final List<String> tlsNames;
    private final double csrPerSecond;
    private final boolean watchStreams;
    private final int csrBurst;
    private final @Nullable DefaultPolicy defaultPolicy;
    private final CompletableFuture<MeshRegistry> startedFuture = new CompletableFuture<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final Clock clock;
    private final List<URI> etcd;

    private @Nullable FileRegistryStore store;
    private @Nullable EtcdConnection etcdConnection;
    private @Nullable EtcdInstances etcdInstances;
    private final List<EtcdDocuments> etcdDocuments = new ArrayList<>();
    private @Nullable CertificateAuthority ca;
    private @Nullable RegistryCertificate certificate;
    private @Nullable MeshTrust trust;
    private @Nullable AdminToken adminToken;
    private @Nullable ViewerToken viewerToken;
    private @Nullable AuditLog audit;
    private RegistryTrust.@Nullable AdminClient adminClient;
    private @Nullable InstanceTable table;
    private @Nullable DocumentStore<AccessPolicy> policies;
    private @Nullable MeshDefaultPolicy meshDefault;
    private @Nullable DocumentStore<RouteConfig> routes;
    private @Nullable Server server;
    private final @Nullable KubernetesTokenReview kubernetesTokenReview;
    private @Nullable TokenReviewer tokenReviewer;
    private IntSupplier answersHeld = () -> 0;
    private boolean started;
    private boolean serving;
    private boolean closed;

    private MeshRegistry(Builder builder, Path dataDir) {
        host = builder.host;
        port = builder.port;
        this.dataDir = dataDir;
        ticker = builder.ticker;
        sweepInterval = builder.sweepInterval;
        leaseSlackPercent = builder.leaseSlackPercent;
        requestTimeout = builder.requestTimeout;
        plaintext = builder.plaintext;
        trustDomain = builder.trustDomain;
        leafLifetime = builder.leafLifetime;
        operatorRootCertificate = builder.operatorRootCertificate;
        operatorRootKey = builder.operatorRootKey;
        tlsNames = List.copyOf(builder.tlsNames);
        csrPerSecond = builder.csrPerSecond;
        watchStreams = builder.watchStreams;
        csrBurst = builder.csrBurst;
        defaultPolicy = builder.defaultPolicy;
        clock = builder.clock;
        etcd = List.copyOf(builder.etcd);
        kubernetesTokenReview = builder.kubernetesTokenReview;
    }

    /**
     * Returns a builder with the defaults; only the data directory must be set.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Opens the data directory and starts serving. The registry starts on the calling thread: when this returns,
     * the port is bound and the future is complete. A second call does nothing.
     *
     * @return a completed future of this registry
     * @throws IllegalStateException if the registry was stopped
     * @throws RegistryStartException saying what to change: the data directory is unusable, locked by another
     *                                registry or damaged, or the port is taken
     */
    @Override
    public synchronized CompletableFuture<MeshRegistry> start() {
        if (closed) {
            throw new IllegalStateException("the registry was stopped (expected: a new one from its builder)");
        }
        if (started) {
            return startedFuture;
        }
        started = true;
        startOnThisThread();
        startedFuture.complete(this);
        return startedFuture;
    }

    private void startOnThisThread() {
        final FileRegistryStore store;
        final InstanceTable table;
        final RegistryApi.@Nullable Authority authority;
        try {
            // The store first: it takes the data directory's lock, which covers the CA and the tokens as well.
            store = FileRegistryStore.open(dataDir);
            this.store = store;
            audit = AuditLog.open(dataDir, clock);
            authority = plaintext ? null : openAuthority();
            // With etcd, the mesh-wide default is shared too: a change through any replica is in force on all.
            final MeshDefaultPolicy meshDefault = etcd.isEmpty()
                    ? MeshDefaultPolicy.open(dataDir)
                    : MeshDefaultPolicy.shared(sharedDocuments("settings"));
            this.meshDefault = meshDefault;
            policies = etcd.isEmpty()
                    ? Documents.policies(dataDir, meshDefault.index())
                    : Documents.policies(sharedDocuments("policies"), meshDefault.index());
            meshDefault.servedWith(policies);
            applyDefaultPolicy(meshDefault);
            routes = etcd.isEmpty() ? Documents.routes(dataDir) : Documents.routes(sharedDocuments("routes"));
            if (etcd.isEmpty()) {
                table = InstanceTable.open(store, ticker, sweepInterval);
            } else {
                // The data directory keeps this replica's own files (its lock, CA, admin token, audit log); the
                // instances live in etcd, shared with every other replica.
                final EtcdConnection connection = etcdConnection();
                final EtcdInstances instances = new EtcdInstances(connection, leaseSlackPercent);
                etcdInstances = instances;
                table = InstanceTable.shared(instances, ticker);
            }
            this.table = table;
        } catch (IOException | StoreUnavailableException e) {
            close();
            throw new RegistryStartException(e.getMessage() != null ? e.getMessage() : e.toString(), e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        try {
            server = newServer(table, authority);
            server.start().join();
            serving = true;
            final @Nullable MeshTrust sharedTrust = trust;
            final @Nullable EtcdConnection connection = etcdConnection;
            if (sharedTrust != null && connection != null) {
                // Once it serves, under the name it is reached by: a rotation is refused while it lacks a key.
                sharedTrust.holdKeys(new EtcdKeyHolders(connection, replicaName()));
            }
        } catch (RuntimeException e) {
            close();
            final Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            throw new RegistryStartException(bindFailure(cause), cause);
        }
        if (plaintext) {
            logger.warn("serving WITHOUT TLS (--plaintext): the mesh is not encrypting, and anyone who reaches "
                    + "this port can register any service");
        }
        if (!etcd.isEmpty()) {
            logger.info(
                    "listening on {}:{} with {} services from etcd at {} (data: {})",
                    host,
                    port(),
                    table.services().size(),
                    etcd,
                    store.dir());
        } else {
            final StoredRegistry loaded = store.load();
            logger.info(
                    "listening on {}:{} with {} instances of {} services at index {} (data: {})",
                    host,
                    port(),
                    loaded.instanceCount(),
                    loaded.services().size(),
                    loaded.index(),
                    store.dir());
        }
        logDefaultPolicy(requireNonNull(meshDefault, "meshDefault"));
        if (ca != null) {
            logger.info(
                    "CA of trust domain {}{}; certificates live {}",
                    ca.trustDomain(),
                    ca.wasCreated() ? ": made its first root in this start" : "",
                    ca.leafLifetime());
        }
    }

    /**
     * Puts the builder's default policy in force, if it was given one: a default chosen at start is the operator's
     * standing choice, and wins over one changed with {@code meshctl} before this start. Without one, the default
     * kept in the data directory stays (allow if none was ever chosen).
     */
    private void applyDefaultPolicy(MeshDefaultPolicy meshDefault) throws IOException {
        final DefaultPolicy kept = meshDefault.current().defaultPolicy();
        if (defaultPolicy != null && (defaultPolicy != kept || meshDefault.index() == 0)) {
            meshDefault.set(defaultPolicy);
        }
    }

    /** Says once serving (a start that fails says only why) which default is in force, and what it means. */
    private void logDefaultPolicy(MeshDefaultPolicy meshDefault) {
        final DefaultPolicy inForce = meshDefault.current().defaultPolicy();
        final String from = defaultPolicy != null
                ? "chosen at start"
                : etcd.isEmpty() ? "kept in the data directory" : "kept in etcd";
        if (inForce == DefaultPolicy.ALLOW) {
            logger.info(
                    "mesh-wide default policy: allow ({}): a service without an access policy or @AllowCallers "
                            + "accepts every workload of the mesh; --default-policy deny makes the mesh zero-trust",
                    from);
        } else {
            logger.info(
                    "mesh-wide default policy: deny ({}): a request no access policy or @AllowCallers allows is "
                            + "refused",
                    from);
            if (plaintext) {
                logger.warn("--default-policy deny with --plaintext: callers have no mesh identity without TLS, so "
                        + "every request that a service's own default does not allow is refused");
            }
        }
    }

    /**
     * Returns the mesh-wide default policy in force: what decides a request that no access rule, no
     * {@code @AllowCallers} and no service default decides.
     *
     * @return the default in force
     * @throws IllegalStateException if the registry is not started
     */
    public DefaultPolicy defaultPolicy() {
        final MeshDefaultPolicy meshDefault = this.meshDefault;
        if (meshDefault == null) {
            throw new IllegalStateException("the registry is not started");
        }
        return meshDefault.current().defaultPolicy();
    }

    /** One kind of document in etcd, followed until the registry stops. */
    private EtcdDocuments sharedDocuments(String kind) {
        final EtcdDocuments documents = new EtcdDocuments(etcdConnection(), kind);
        etcdDocuments.add(documents);
        return documents;
    }

    /** The connection to etcd, opened on first use. */
    private EtcdConnection etcdConnection() {
        if (etcdConnection == null) {
            etcdConnection = EtcdConnection.open(etcd);
        }
        return etcdConnection;
    }

    private RegistryApi.Authority openAuthority() throws IOException {
        final OperatorRoot operatorRoot = operatorRootCertificate != null && operatorRootKey != null
                ? OperatorRoot.read(operatorRootCertificate, operatorRootKey)
                : null;
        final CertificateAuthority ca =
                CertificateAuthority.open(dataDir.resolve("ca"), trustDomain, leafLifetime, clock, operatorRoot);
        this.ca = ca;
        adminToken = AdminToken.openOrCreate(dataDir);
        viewerToken = ViewerToken.openOrCreate(dataDir);
        certificate = RegistryCertificate.start(ca, host, tlsNames, CommonPools.blockingTaskExecutor(), clock);
        // With etcd, the trust state (roots in force, revocations) and the issued certificates are shared: a
        // revocation through any replica is refused by every replica and every member. The keys stay here.
        final MeshTrust trust = etcd.isEmpty()
                ? MeshTrust.open(dataDir, ca, clock, CommonPools.blockingTaskExecutor())
                : MeshTrust.shared(
                        dataDir,
                        sharedDocuments("trust"),
                        new EtcdIssuedCertificates(etcdConnection(), clock),
                        ca,
                        clock,
                        CommonPools.blockingTaskExecutor());
        this.trust = trust;
        return new RegistryApi.Authority(
                ca,
                etcd.isEmpty()
                        ? JoinTokens.open(dataDir.resolve("tokens.json"), clock)
                        : JoinTokens.shared(new EtcdTokens(etcdConnection()), clock),
                etcd.isEmpty()
                        ? ViewerTokens.open(dataDir.resolve(ViewerTokens.FILE), clock)
                        : ViewerTokens.shared(new EtcdViewerTokens(etcdConnection()), clock),
                trust,
                SourceRateLimit.of(csrPerSecond, csrBurst, ticker),
                tokenReviewer());
    }

    private @Nullable TokenReviewer tokenReviewer() {
        if (kubernetesTokenReview == null) {
            return null;
        }
        logger.info("workloads may join with Kubernetes service-account tokens: {}", kubernetesTokenReview);
        tokenReviewer = TokenReviewer.of(kubernetesTokenReview);
        return tokenReviewer;
    }

    private Server newServer(InstanceTable table, RegistryApi.@Nullable Authority authority) {
        final InetSocketAddress address = new InetSocketAddress(host, port);
        final ServerBuilder builder = Server.builder()
                // A stop needs no grace here: close() has answered the held watches and finished the
                // accepted changes first, and a connection still closes only after its answer in flight.
                // Armeria's defaults would add 1 s of HTTP/2 drain and 2 s of boss-loop quiet period to
                // every stop, in every test that starts a registry.
                .gracefulShutdownTimeout(Duration.ZERO, Duration.ZERO)
                .connectionDrainDuration(Duration.ZERO)
                .bossGroupFactory(BossGroups::newBossGroup);
        final Access access;
        if (authority == null) {
            builder.http(address);
            access = Access.open(requireNonNull(audit, "audit"));
        } else {
            final CertificateAuthority ca = authority.ca();
            // Client certificates are optional at the handshake, because a workload asks for its first one with a
            // join token; a certificate that is presented must verify, and the routes say who may call them.
            final SpiffeTrustManager trust = new SpiffeTrustManager(
                    ca::trustBundle,
                    ca.trustDomain(),
                    id -> id.service().isPresent(),
                    "a workload of " + ca.trustDomain(),
                    clock,
                    new RefusalLog("registry"));
            builder.https(address)
                    .tlsProvider(
                            requireNonNull(certificate, "certificate"),
                            ServerTlsConfig.builder()
                                    .clientAuth(ClientAuth.OPTIONAL)
                                    .tlsCustomizer(tls -> tls.trustManager(trust))
                                    .build());
            access = Access.secured(
                    requireNonNull(adminToken, "adminToken"),
                    requireNonNull(viewerToken, "viewerToken"),
                    authority.viewerTokens(),
                    requireNonNull(audit, "audit"),
                    authority.trust());
        }
        if (requestTimeout != null) {
            builder.requestTimeout(requestTimeout);
        }
        if (etcdConnection != null) {
            builder.decorator(StaleReads.of(etcdConnection::stale));
        }
        answersHeld = RegistryApi.addTo(
                builder,
                table,
                requireNonNull(policies, "policies"),
                requireNonNull(meshDefault, "meshDefault"),
                requireNonNull(routes, "routes"),
                access,
                new MetricsApi(
                        clock,
                        service -> table.services().stream()
                                .anyMatch(summary -> summary.name().equals(service))),
                // With replicas, the holders of the quotas are shared too: a quota is divided mesh-wide.
                etcdConnection != null ? new EtcdQuotaHolders(etcdConnection, clock) : new LocalQuotaHolders(clock),
                authority,
                watchStreams,
                readiness(authority));
        return builder.build();
    }

    /**
     * What {@code /readyz} checks besides the store: with replicas, that etcd answers (else every change is refused);
     * with a CA, that it holds the key of the root that signs now (else every certificate request is refused).
     */
    private Readiness readiness(RegistryApi.@Nullable Authority authority) {
        final Readiness readiness = new Readiness();
        final @Nullable EtcdConnection connection = etcdConnection;
        if (connection != null) {
            readiness.check(connection::unreachable);
        }
        if (authority != null) {
            readiness.check(authority.trust()::cannotSign);
        }
        return readiness;
    }

    private String bindFailure(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof BindException || String.valueOf(t.getMessage()).contains("in use")) {
                return "port " + port + " on " + host + " is in use; stop what holds it, or choose another port "
                        + "(0 picks a free one)";
            }
        }
        return "cannot listen on " + host + ':' + port + " (" + cause + "); check the host is an address of this "
                + "machine, such as 0.0.0.0 or 127.0.0.1";
    }

    /**
     * Returns the port the registry listens on; with {@code port(0)}, the one the system chose.
     *
     * @return the port
     * @throws IllegalStateException if the registry is not serving
     */
    public int port() {
        return listeningPort(runningServer());
    }

    /**
     * Where to reach the registry: {@code https://127.0.0.1:PORT} (or {@code http://} with {@code plaintext}) when
     * it listens on every address, else at its host.
     *
     * @return the URI workloads and clients are given
     * @throws IllegalStateException if the registry is not serving
     */
    public URI uri() {
        return URI.create((plaintext ? "http://" : "https://") + reachableHost() + ':' + port());
    }

    /**
     * Returns whether the registry serves without TLS.
     *
     * @return {@code true} if built with {@link Builder#plaintext()}
     */
    public boolean isPlaintext() {
        return plaintext;
    }

    /**
     * Returns the roots workloads must trust, in PEM: what an operator hands a new workload with its join token.
     * The same is in {@code <data-dir>/trust-bundle.pem}.
     *
     * @return one or more PEM certificates
     * @throws IllegalStateException if the registry is not started, or runs with {@code plaintext}
     */
    public String trustBundlePem() {
        return Pem.write(authority().trustBundle());
    }

    /**
     * Returns the trust domain of the CA.
     *
     * @return the trust domain, such as {@code mesh.local}; the builder's even with {@code plaintext}
     */
    public String trustDomain() {
        return trustDomain;
    }

    /** The CA; absent with {@code plaintext}. */
    private CertificateAuthority ca() {
        return authority();
    }

    /**
     * A client of this registry with the operator's rights (the admin token), that verifies the registry's
     * certificate against its own CA; a plain client with {@code plaintext}.
     */
    private synchronized RegistryClient adminClient() {
        if (plaintext) {
            return RegistryClient.of(uri());
        }
        if (adminClient == null) {
            try {
                final String token = Files.readString(dataDir.resolve(AdminToken.FILE), StandardCharsets.US_ASCII);
                // Trusting the CA's roots as they are at each handshake, not as they were when this client was
                // made: after a rotation the registry serves a certificate of the new root, and a client that
                // trusted only the old one worked only as long as its connection from before kept open.
                final CertificateAuthority ca = authority();
                adminClient = RegistryTrust.admin(uri(), token, ca::trustBundle, ca.trustDomain());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the admin token in " + dataDir, e);
            }
        }
        return adminClient.client();
    }

    private synchronized CertificateAuthority authority() {
        if (ca == null) {
            throw new IllegalStateException(
                    plaintext ? "the registry runs with plaintext: it has no CA" : "the registry is not started");
        }
        return ca;
    }

    /**
     * This replica's name among the holders of the CA's keys: the host it listens on (its host name when it listens on
     * every address) and its port.
     */
    private String replicaName() {
        final @Nullable InetAddress resolved = new InetSocketAddress(host, 0).getAddress();
        String name = host;
        if (resolved != null && resolved.isAnyLocalAddress()) {
            try {
                name = InetAddress.getLocalHost().getHostName();
            } catch (java.net.UnknownHostException e) {
                name = "replica-" + ProcessHandle.current().pid();
            }
        }
        return name + ':' + port();
    }

    private String reachableHost() {
        final InetSocketAddress address = new InetSocketAddress(host, 0);
        final @Nullable InetAddress resolved = address.getAddress();
        if (resolved != null && resolved.isAnyLocalAddress()) {
            return "127.0.0.1";
        }
        return host.indexOf(':') >= 0 ? '[' + host + ']' : host;
    }

    /**
     * Returns the directory the registry keeps its data in.
     *
     * @return the builder's directory, absolute and normalized
     */
    public Path dataDir() {
        return dataDir;
    }

    /** Expires now every instance whose TTL ran out, rather than at the next sweep; for tests. */
    CompletableFuture<Integer> sweepNow() {
        return startedTable().sweep();
    }

    /** How many watches are held now; for tests that must know a watch waits before they change something. */
    int heldWatches() {
        return startedTable().heldWatches();
    }

    /**
     * How many entries the registry keeps by service name, summed over the instances, the access policies, the
     * route configs and their kept answers; for tests that check that reading or watching a name that has nothing
     * leaves nothing behind once answered (issue 16).
     */
    synchronized int servicesHeld() {
        return startedTable().servicesHeld()
                + requireNonNull(policies, "policies").servicesHeld()
                + requireNonNull(routes, "routes").servicesHeld()
                + answersHeld.getAsInt();
    }

    private synchronized InstanceTable startedTable() {
        if (table == null) {
            throw new IllegalStateException("the registry is not started");
        }
        return table;
    }

    private synchronized Server runningServer() {
        if (server == null || closed) {
            throw new IllegalStateException("the registry is not serving (expected: start() before port() or uri())");
        }
        return server;
    }

    /**
     * Stops: held watches are answered with what they have, changes already accepted are finished, then the port
     * and the data directory are released, before this returns. Safe to call more than once, and before
     * {@link #start()}.
     *
     * @return a completed future, the same on every call; failed if something could not be released
     */
    @Override
    public synchronized CompletableFuture<Void> stop() {
        if (!closed) {
            closed = true;
            try {
                stopOnThisThread();
                stopped.complete(null);
            } catch (RuntimeException | Error e) {
                stopped.completeExceptionally(e);
            }
        }
        return stopped;
    }

    private void stopOnThisThread() {
        if (table != null) {
            table.close();
        }
        if (policies != null) {
            policies.wakeAll();
        }
        if (routes != null) {
            routes.wakeAll();
        }
        if (trust != null) {
            trust.close();
        }
        if (certificate != null) {
            certificate.close();
        }
        if (adminClient != null) {
            adminClient.close();
        }
        if (server != null) {
            server.stop().join();
        }
        if (tokenReviewer != null) {
            tokenReviewer.close();
        }
        if (etcdInstances != null) {
            etcdInstances.close();
        }
        etcdDocuments.forEach(EtcdDocuments::close);
        if (etcdConnection != null) {
            etcdConnection.close();
        }
        if (store != null) {
            try {
                store.close();
            } catch (IOException e) {
                logger.warn("{}: cannot close the store cleanly", store, e);
            }
        }
        if (serving) {
            logger.info("stopped (data: {})", dataDir);
        }
    }

    @Override
    public String toString() {
        return "MeshRegistry(" + host + ':' + port + ", " + dataDir + ')';
    }

    /** Settings of a registry; {@link #dataDir(Path)} is required. */
    public static final class Builder {

        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private @Nullable Path dataDir;
        private Ticker ticker = Ticker.systemTicker();
        private Duration sweepInterval = InstanceTable.DEFAULT_SWEEP_INTERVAL;
        private @Nullable Duration requestTimeout;
        private boolean plaintext;
        private String trustDomain = DEFAULT_TRUST_DOMAIN;
        private Duration leafLifetime = DEFAULT_LEAF_LIFETIME;
        private @Nullable Path operatorRootCertificate;
        private @Nullable Path operatorRootKey;
        private final List<String> tlsNames = new ArrayList<>();
        private double csrPerSecond = SourceRateLimit.DEFAULT_PER_SECOND;
        private boolean watchStreams = true;
        private int csrBurst = SourceRateLimit.DEFAULT_BURST;
        private @Nullable DefaultPolicy defaultPolicy;
        private Clock clock = Clock.systemUTC();
        private List<URI> etcd = List.of();
        private int leaseSlackPercent = EtcdInstances.DEFAULT_SLACK_PERCENT;
        private @Nullable KubernetesTokenReview kubernetesTokenReview;

        private Builder() {}

        /**
         * Lets pods join with their Kubernetes service-account token instead of a join token: the registry asks the
         * API server's TokenReview who the token is, and issues the certificate of the service the rule maps that
         * service account to. Join tokens keep working beside it. None unless set; needs TLS.
         *
         * @param rule which service accounts join as which services, and how to reach the API server
         * @return this builder
         */
        public Builder kubernetesTokenReview(KubernetesTokenReview rule) {
            kubernetesTokenReview = requireNonNull(rule, "rule");
            return this;
        }

        /**
         * Keeps the instances, route configs, access policies, the mesh-wide default policy, join tokens, the trust
         * state (roots in force, revocations) and the issued certificates' serials in an etcd cluster instead of the data directory, so that several registries over the same cluster serve the
         * same mesh (replicas). The data directory still holds this replica's lock, CA files, admin token and
         * audit log. Unless set, the
         * data directory keeps everything (one registry).
         *
         * @param endpoints the cluster's client URLs, such as {@code http://10.0.0.1:2379}; one reachable member is
         *     enough to start
         * @return this builder
         * @throws IllegalArgumentException if empty, or an endpoint is not {@code http://host:port}
         */
        public Builder etcd(List<URI> endpoints) {
            requireNonNull(endpoints, "endpoints");
            if (endpoints.isEmpty()) {
                throw new IllegalArgumentException("etcd: no endpoint (expected: http://host:2379,...)");
            }
            for (URI endpoint : endpoints) {
                if (!"http".equals(endpoint.getScheme()) || endpoint.getHost() == null || endpoint.getPort() < 0) {
                    throw new IllegalArgumentException(
                            "etcd: " + endpoint + " (expected: http://host:port, such as http://127.0.0.1:2379)");
                }
            }
            etcd = List.copyOf(endpoints);
            return this;
        }

        /**
         * Sets the slack of each instance's etcd lease, in percent of the instance's TTL; {@value
         * EtcdInstances#DEFAULT_SLACK_PERCENT} unless set, and used only with {@link #etcd(List)}. Each lease is
         * granted for the TTL plus the slack, and a heartbeat is answered without a round trip to etcd when a
         * keep-alive of this replica already has etcd holding the instance at least its TTL past the heartbeat: an
         * acknowledged heartbeat still holds the instance for at least its TTL, but an instance that stops
         * heartbeating is removed between its TTL and its TTL plus the slack after its last heartbeat. At 50 %,
         * members (who heartbeat every third of their TTL) send etcd half the keep-alives; 0 sends one per
         * heartbeat and removes an instance at its TTL.
         *
         * @param percent 0 to {@value EtcdInstances#MAX_SLACK_PERCENT}
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder leaseSlack(int percent) {
            if (percent < 0 || percent > EtcdInstances.MAX_SLACK_PERCENT) {
                throw new IllegalArgumentException("lease slack: " + percent + "% (expected: 0 to "
                        + EtcdInstances.MAX_SLACK_PERCENT + "% of the instance's TTL)");
            }
            leaseSlackPercent = percent;
            return this;
        }

        /**
         * Serves without TLS: no CA, no certificates, no authentication of callers. For a trusted network, or a
         * first try; the registry says so in its log at start. TLS unless set.
         *
         * @return this builder
         */
        public Builder plaintext() {
            plaintext = true;
            return this;
        }

        /**
         * Sets the mesh-wide default policy, put in force at every start: what decides a request to a service that
         * no access rule, no {@code @AllowCallers} and no default of the service's own decides. {@link
         * DefaultPolicy#DENY} makes the mesh zero-trust, the recommended setup. Unless set, the default kept in the
         * data directory stays ({@code meshctl policies default} changes it live), and a new data directory starts
         * with {@link DefaultPolicy#ALLOW}, the behaviour of a mesh before defaults existed.
         *
         * @param defaultPolicy allow or deny
         * @return this builder
         */
        public Builder defaultPolicy(DefaultPolicy defaultPolicy) {
            this.defaultPolicy = requireNonNull(defaultPolicy, "defaultPolicy");
            return this;
        }

        /**
         * Sets the trust domain of the CA's SPIFFE IDs; {@value #DEFAULT_TRUST_DOMAIN} unless set. A data directory
         * whose CA was made for another trust domain fails {@link MeshRegistry#start()}.
         *
         * @param trustDomain lower-case letters, digits, {@code .}, {@code -} and {@code _}
         * @return this builder
         * @throws IllegalArgumentException if not a valid trust domain
         */
        public Builder trustDomain(String trustDomain) {
            this.trustDomain = SpiffeId.checkTrustDomain(requireNonNull(trustDomain, "trustDomain"));
            return this;
        }

        /**
         * Sets how long the certificates the CA issues live; 24 hours unless set. Workloads renew at two thirds
         * of it.
         *
         * @param leafLifetime 10 seconds to 30 days
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder leafLifetime(Duration leafLifetime) {
            CertificateAuthority.checkLeafLifetime(leafLifetime);
            this.leafLifetime = leafLifetime;
            return this;
        }

        /**
         * Sets a root certificate and key the operator provides, used on the first start instead of a new root;
         * a new root unless set. The files are read at {@link MeshRegistry#start()}, which fails if the data
         * directory already holds a CA with other roots.
         *
         * @param certificate a PEM file with the root certificate
         * @param key a PEM file with its private key
         * @return this builder
         */
        public Builder operatorRoot(Path certificate, Path key) {
            operatorRootCertificate = requireNonNull(certificate, "certificate");
            operatorRootKey = requireNonNull(key, "key");
            return this;
        }

        /**
         * Adds a DNS name or address the registry is reached by, for its certificate; {@code localhost} and this
         * machine's name and addresses are always in it.
         *
         * @param name such as {@code registry.internal} or {@code 10.0.0.5}
         * @return this builder
         */
        public Builder tlsName(String name) {
            tlsNames.add(requireNonNull(name, "name"));
            return this;
        }

        /**
         * Sets how many certificate requests ({@code POST /v1/identity/csr}) the registry takes from one source
         * address: {@code burst} at once, then {@code perSecond}; more are answered 429 with {@code Retry-After},
         * which a workload waits out and tries again. 20 per second and 400 at once unless set: workloads behind one NAT share the address, so
         * 400 of them may start at once and 1,000 within 30 seconds, while one address cannot keep the CA busy.
         *
         * @param perSecond requests per second per address, {@code > 0}
         * @param burst requests at once per address, {@code >= 1}
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder csrRateLimit(double perSecond, int burst) {
            SourceRateLimit.check(perSecond, burst);
            csrPerSecond = perSecond;
            csrBurst = burst;
            return this;
        }

        /**
         * Whether instance watches may ask for a watch stream ({@code stream=true}); on unless set. Off, the registry
         * answers such a watch as the long poll it would be without the parameter, as registries before streams
         * did, and mesh clients long-poll it: for a proxy in front of the registry that buffers whole responses.
         *
         * @param watchStreams whether to serve watch streams
         * @return this builder
         */
        public Builder watchStreams(boolean watchStreams) {
            this.watchStreams = watchStreams;
            return this;
        }

        /**
         * Sets the clock of the CA and of join tokens' expiry; the system's UTC clock unless set.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Sets the address to listen on; {@value #DEFAULT_HOST} (every address) unless set.
         *
         * @param host an address of this machine, such as {@code 127.0.0.1}
         * @return this builder
         * @throws IllegalArgumentException if blank
         */
        public Builder host(String host) {
            requireNonNull(host, "host");
            if (host.isBlank()) {
                throw new IllegalArgumentException("host: '' (expected: an address such as 0.0.0.0 or 127.0.0.1)");
            }
            this.host = host;
            return this;
        }

        /**
         * Sets the port to listen on; 0 lets the system choose. {@value #DEFAULT_PORT} unless set.
         *
         * @param port 0 to 65535
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException(String.format("port: %s (expected: 0..65535)", port));
            }
            this.port = port;
            return this;
        }

        /**
         * Sets where the registry keeps its log, snapshot, lock and audit log of admin actions ({@code audit.log})
         * (and, with TLS, its CA, join tokens and admin token); created if missing. Required. One registry at a time may use a directory.
         *
         * @param dataDir the directory
         * @return this builder
         */
        public Builder dataDir(Path dataDir) {
            this.dataDir = requireNonNull(dataDir, "dataDir");
            return this;
        }

        /**
         * Sets the clock that TTLs and the certificate requests' rate limit are measured with, in nanoseconds; the system's unless set (tests set their own).
         *
         * @param ticker a nanosecond ticker
         * @return this builder
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * Sets how often to look for instances whose TTL ran out; 100 ms unless set.
         *
         * @param sweepInterval {@code > 0}
         * @return this builder
         * @throws IllegalArgumentException if not {@code > 0}
         */
        public Builder sweepInterval(Duration sweepInterval) {
            requireNonNull(sweepInterval, "sweepInterval");
            if (sweepInterval.isNegative() || sweepInterval.isZero()) {
                throw new IllegalArgumentException("sweepInterval: " + sweepInterval + " (expected: > 0)");
            }
            this.sweepInterval = sweepInterval;
            return this;
        }

        /** Armeria's timeout for requests other than held watches; its default unless set. For tests. */
        Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = requireNonNull(requestTimeout, "requestTimeout");
            return this;
        }

        /**
         * Returns a registry that is not started: nothing is opened or bound until {@link MeshRegistry#start()}.
         *
         * @return a new registry
         * @throws IllegalStateException if the data directory is not set, or a Kubernetes token review is set with
         *     plaintext
         */
        public MeshRegistry build() {
            if (dataDir == null) {
                throw new IllegalStateException(
                        "dataDir: not set (expected: the directory where the registry " + "keeps its data)");
            }
            if (plaintext && kubernetesTokenReview != null) {
                throw new IllegalStateException("kubernetesTokenReview with plaintext: a plaintext registry issues no "
                        + "certificates, so there is nothing to join for (expected: one or the other)");
            }
            return new MeshRegistry(this, dataDir.toAbsolutePath().normalize());
        }
    }

    /**
     * The port {@code server} listens on. Not Armeria's {@code activeLocalPort()}: it counts only ports bound to
     * loopback or every address, and a process bound to one address of its host (a pod's, a namespace's) has
     * neither.
     */
    private static int listeningPort(Server server) {
        final @Nullable ServerPort port = server.activePort();
        if (port == null) {
            throw new IllegalStateException("not listening");
        }
        return port.localAddress().getPort();
    }
}
