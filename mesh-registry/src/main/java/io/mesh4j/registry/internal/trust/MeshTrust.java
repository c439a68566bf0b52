package io.mesh4j.registry.internal.trust;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.core.internal.identity.Pem;
import io.mesh4j.core.internal.identity.TrustState;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.InvalidInputException;
import io.mesh4j.core.internal.registry.TrustJson;
import io.mesh4j.core.internal.registry.TrustJson.Revocation;
import io.mesh4j.core.internal.registry.TrustJson.TrustSnapshot;
import io.mesh4j.registry.internal.ca.CaException;
import io.mesh4j.registry.internal.ca.CertificateAuthority;
import io.mesh4j.registry.internal.ca.Fingerprints;
import io.mesh4j.registry.internal.ca.InstalledRoots;
import io.mesh4j.registry.internal.ca.ScheduledRoot;
import io.mesh4j.registry.internal.documents.DocumentStore;
import io.mesh4j.registry.internal.documents.DocumentStore.Versioned;
import io.mesh4j.registry.internal.documents.IndexConflictException;
import io.mesh4j.registry.internal.documents.SharedDocuments;
import io.mesh4j.registry.internal.store.StoreUnavailableException;

/**
 * The mesh's trust state, one watchable document: the CA's roots in force and the revocations, kept in
 * {@code <data-dir>/trust} and pushed to every member through {@code GET /v1/identity/trust?index=N&wait=..}.
 *
 * <p>It changes when the CA rotates, when a root retires (looked for every second, so that a retired root leaves
 * members within seconds and its key leaves the disk), and when the operator revokes a certificate. A revocation is
 * kept until the certificates it refuses would have expired anyway, so the list stays as short as the certificates
 * in force.
 *
 * <p>Opened {@link #shared shared} (registry replicas over etcd), the document is {@code mesh4j/trust/mesh} in etcd
 * and the issued certificates are in etcd too: every replica follows the document, serves it to its members at the
 * index etcd gave it, and checks callers against it, so that a revocation made through one replica is refused by
 * every replica and by the members of all of them. Each change is a transaction on the document's revision; a
 * replica that lost the race reads the newer document and makes its change again on top of it.
 */
public final class MeshTrust implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(MeshTrust.class);
    /** The one key of the document store: the trust state is one document for the whole mesh. */
    private static final ServiceName KEY = ServiceName.of("mesh");
    /** How often retired roots and past revocations are looked for. */
    private static final Duration TICK = Duration.ofSeconds(1);
    /** How many times a change lost to another replica's is made again on top of it before it is given up (409). */
    private static final int ATTEMPTS = 10;
    /** How long to wait for another replica's change that won the race to reach this one. */
    private static final Duration CATCH_UP = Duration.ofSeconds(5);

    /**
     * What the store keeps: the roots (PEM) and the revocations, at the index of their last change; shared by
     * replicas, also each root's schedule (empty in the data directory of one registry, whose CA keeps it, and in a
     * document written before replicas shared it).
     */
    private record Document(String trustBundle, List<Revocation> revocations, List<ScheduledRoot> schedule) {

        Document(String trustBundle, List<Revocation> revocations) {
            this(trustBundle, revocations, List.of());
        }

        Document {
            schedule = List.copyOf(schedule);
        }

        /** The same roots, revocations and schedule; the roots compared as a set, in any order. */
        boolean sameAs(@Nullable Document other) {
            return other != null
                    && revocations.equals(other.revocations)
                    && schedule.equals(other.schedule)
                    && new HashSet<>(Pem.readCertificates(trustBundle))
                            .equals(new HashSet<>(Pem.readCertificates(other.trustBundle)));
        }
    }

    /** The trust state checks are made against, read from the document at {@code index}. */
    private record InForce(long index, TrustState state) {}

    private static final DocumentStore.Codec<Document> CODEC = new DocumentStore.Codec<>() {
        @Override
        public byte[] write(Versioned<Document> versioned) {
            final Document document = requireNonNull(versioned.document(), "document");
            final byte[] snapshot = TrustJson.writeSnapshot(
                    new TrustSnapshot(versioned.index(), document.trustBundle(), document.revocations()));
            return document.schedule().isEmpty() ? snapshot : TrustSchedule.write(snapshot, document.schedule());
        }

        @Override
        public Versioned<Document> read(byte[] file) {
            final TrustSnapshot snapshot = TrustJson.parseSnapshot(file);
            return new Versioned<>(
                    snapshot.index(),
                    new Document(
                            snapshot.trustBundle(),
                            snapshot.revocations(),
                            TrustSchedule.read(file, Pem.readCertificates(snapshot.trustBundle()))));
        }
    };

    private final CertificateAuthority ca;
    private final DocumentStore<Document> store;
    private final IssuedCertificates issued;
    private final Clock clock;
    private final boolean shared;
    private volatile InForce inForce;
    private volatile @Nullable KeyHolders holders;
    private @Nullable ScheduledFuture<?> tick;
    /** Why the CA could not sign at the last tick, to log the change once; only the tick reads and writes it. */
    private @Nullable String cannotSignLogged;

    private MeshTrust(
            CertificateAuthority ca,
            DocumentStore<Document> store,
            IssuedCertificates issued,
            Clock clock,
            boolean shared) {
        this.ca = requireNonNull(ca, "ca");
        this.store = store;
        this.issued = requireNonNull(issued, "issued");
        this.clock = requireNonNull(clock, "clock");
        this.shared = shared;
        inForce = new InForce(-1, TrustState.of(ca.trustBundle()));
    }

    /** Opens the trust state of {@code dataDir}, publishes the roots in force, and keeps it current. */
    public static MeshTrust open(Path dataDir, CertificateAuthority ca, Clock clock, ScheduledExecutorService scheduler)
            throws IOException {
        final MeshTrust trust = new MeshTrust(
                ca,
                DocumentStore.open(dataDir.resolve("trust"), CODEC),
                IssuedCertificatesFile.open(dataDir.resolve(IssuedCertificatesFile.FILE), clock),
                clock,
                false);
        trust.publish();
        trust.startTicking(scheduler);
        return trust;
    }

    /**
     * Opens the trust state that registry replicas share: the document in {@code documents} (etcd's {@code
     * mesh4j/trust/mesh}), followed for as long as the registry runs, and the certificates every replica issued.
     *
     * @throws CaException if the mesh's roots, as another replica published them, are not this replica's: its
     *     certificates would chain to a root the members of the other replicas do not trust
     */
    public static MeshTrust shared(
            Path dataDir,
            SharedDocuments documents,
            IssuedCertificates issued,
            CertificateAuthority ca,
            Clock clock,
            ScheduledExecutorService scheduler)
            throws IOException {
        final MeshTrust trust = new MeshTrust(ca, DocumentStore.shared(documents, CODEC, 0), issued, clock, true);
        final @Nullable Document published = trust.store.get(KEY).document();
        if (published != null) {
            final List<X509Certificate> meshRoots = Pem.readCertificates(published.trustBundle());
            final boolean sameRoots = new HashSet<>(meshRoots).equals(new HashSet<>(ca.trustBundle()));
            // With the mesh's schedule, what counts is the key of the root that signs for the mesh now: its own, or
            // installed (meshctl ca install). Checked before the CA follows the schedule, which writes its files.
            final @Nullable ScheduledRoot signing = signing(published.schedule(), clock.instant());
            final boolean canSign = published.schedule().isEmpty()
                    ? sameRoots
                    : signing != null && ca.heldFingerprints().contains(signing.fingerprint());
            if (!canSign) {
                throw new CaException("this replica's CA roots " + Fingerprints.describe(ca.trustBundle())
                        + " are not the mesh's " + Fingerprints.describe(meshRoots) + ", which the other replicas "
                        + "published in etcd (mesh4j/trust/mesh): start every replica with the same --ca-cert and "
                        + "--ca-key, the mesh's root and its key"
                        + (signing != null
                                ? ", or install the root that signs now, " + signing.describe() + ", with meshctl ca "
                                        + "install --data-dir DIR --cert ROOT.crt --key ROOT.key"
                                : ""));
            }
            if (!published.schedule().isEmpty()) {
                ca.follow(published.schedule());
            }
        }
        trust.adopt(localRevocations(dataDir));
        trust.publish();
        trust.startTicking(scheduler);
        return trust;
    }

    /** The root of {@code schedule} that signs at {@code now}: the newest in force whose signing time has come. */
    private static @Nullable ScheduledRoot signing(List<ScheduledRoot> schedule, Instant now) {
        ScheduledRoot signing = null;
        for (ScheduledRoot root : schedule) {
            if (root.isTrustedAt(now)
                    && !root.signingFrom().isAfter(now)
                    && (signing == null || root.signingFrom().isAfter(signing.signingFrom()))) {
                signing = root;
            }
        }
        return signing;
    }

    /**
     * The revocations a registry kept in {@code dataDir} before it joined replicas over etcd: they are carried into
     * the shared document rather than dropped, so that a certificate revoked before the move stays refused.
     */
    private static List<Revocation> localRevocations(Path dataDir) throws IOException {
        final Path dir = dataDir.resolve("trust");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        final @Nullable Document document =
                DocumentStore.open(dir, CODEC).get(KEY).document();
        return document != null ? document.revocations() : List.of();
    }

    /** Adds to the shared document those of {@code revocations} that are not past and not in it yet. */
    private void adopt(List<Revocation> revocations) throws IOException {
        final Instant now = clock.instant();
        for (int attempt = 1; ; attempt++) {
            final Versioned<Document> read = store.get(KEY);
            final @Nullable Document document = read.document();
            final List<Revocation> merged = new ArrayList<>(document != null ? document.revocations() : List.of());
            final List<Revocation> missing = revocations.stream()
                    .filter(revocation -> revocation.until().isAfter(now) && !merged.contains(revocation))
                    .toList();
            if (missing.isEmpty()) {
                return;
            }
            merged.addAll(missing);
            try {
                put(
                        read.index(),
                        document != null
                                ? new Document(document.trustBundle(), merged, document.schedule())
                                : new Document(Pem.write(ca.trustBundle()), merged));
            } catch (IndexConflictException e) {
                if (attempt == ATTEMPTS) {
                    throw e;
                }
                catchUp(read.index());
                continue;
            }
            logger.warn(
                    "carried {} revocation(s) kept in this replica's data directory into etcd, where every replica "
                            + "refuses them: {}",
                    missing.size(),
                    missing.stream().map(Revocation::describe).toList());
            return;
        }
    }

    private void startTicking(ScheduledExecutorService scheduler) {
        tick = scheduler.scheduleWithFixedDelay(this::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether the trust state is shared by registry replicas over etcd. */
    public boolean isShared() {
        return shared;
    }

    /** The trust state in force: the document as this replica last heard it. */
    private TrustState state() {
        final Versioned<Document> versioned = store.get(KEY);
        InForce known = inForce;
        if (known.index() != versioned.index()) {
            final @Nullable Document document = versioned.document();
            known = new InForce(
                    versioned.index(),
                    document == null
                            ? TrustState.of(ca.trustBundle())
                            : TrustState.of(Pem.readCertificates(document.trustBundle()), document.revocations()));
            inForce = known;
        }
        return known.state();
    }

    /** The trust state now, as members get it. */
    public TrustSnapshot current() {
        return snapshot(store.get(KEY));
    }

    /** The trust state once its index differs from {@code index}, or after {@code wait}; cancel to stop waiting. */
    public CompletableFuture<TrustSnapshot> watch(long index, Duration wait) {
        final CompletableFuture<Versioned<Document>> watch = store.watch(KEY, index, wait);
        final CompletableFuture<TrustSnapshot> answer = watch.thenApply(MeshTrust::snapshot);
        answer.whenComplete((unused, cause) -> {
            if (answer.isCancelled()) {
                watch.cancel(false);
            }
        });
        return answer;
    }

    /** The revocations in force, oldest first. */
    public List<Revocation> revocations() {
        return state().revocations();
    }

    /** Why {@code leaf}, a certificate of {@code id}, may no longer be used; null when it may. */
    public @Nullable String revocationOf(X509Certificate leaf, SpiffeId id) {
        return state().revocationOf(leaf, id);
    }

    /**
     * When to issue a new certificate of {@code id}: now, or a moment later when {@code id} was revoked within the
     * current second, so that the new certificate's validity starts after the revocation's cut.
     */
    public Instant issueTime(SpiffeId id) {
        final Instant now = clock.instant();
        Instant at = now;
        for (Revocation revocation : state().revocations()) {
            final @Nullable Instant cut = revocation.notBeforeUpTo();
            if (cut != null && revocation.spiffeId().equals(id.toString())) {
                final Instant firstAfter =
                        cut.plus(CertificateAuthority.backdate()).plusSeconds(1);
                if (firstAfter.isAfter(at)) {
                    at = firstAfter;
                }
            }
        }
        return at;
    }

    /** Records a certificate just issued, before it is handed out, so that it can be revoked by serial. */
    public void issued(X509Certificate leaf, SpiffeId id) throws IOException {
        issued.add(leaf, id);
    }

    /**
     * Revokes one certificate (by serial) or every certificate of an identity issued up to now (by SPIFFE ID),
     * durably, and pushes it to every member. Revoking what is revoked already answers the revocation in force.
     *
     * @throws InvalidInputException 400 for a serial or SPIFFE ID that does not parse or is not of this mesh, 404
     *     for one the registry has no certificate in force of; nothing is written then
     */
    public synchronized Revocation revoke(TrustJson.RevokeRequest request) throws IOException {
        return revoke(request, false);
    }

    /**
     * As {@link #revoke(TrustJson.RevokeRequest)}, or with {@code dryRun} the same checks and the revocation it would
     * answer, with nothing written or pushed.
     */
    public synchronized Revocation revoke(TrustJson.RevokeRequest request, boolean dryRun) throws IOException {
        final Instant now = clock.instant();
        final Revocation revocation;
        final @Nullable String serialText = request.serial();
        if (serialText != null) {
            final BigInteger serial;
            try {
                serial = TrustState.parseSerial(serialText);
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(ErrorCode.INVALID_FIELD, requireNonNull(e.getMessage()));
            }
            final String formatted = TrustState.formatSerial(serial);
            final @Nullable Revocation known = revokedAlready(state().revocations(), formatted);
            if (known != null) {
                return known;
            }
            final IssuedCertificates.@Nullable Issued certificate = issued.find(serial);
            if (certificate == null) {
                throw new InvalidInputException(
                        ErrorCode.NOT_FOUND,
                        "no certificate of serial " + formatted + " is in force: this registry issued none with that "
                                + "serial that has not expired, so there is nothing to revoke (check the serial: "
                                + "openssl x509 -noout -serial -in CERT)");
            }
            revocation = new Revocation(certificate.id().toString(), formatted, null, now, certificate.notAfter());
        } else {
            final SpiffeId id = workloadId(requireNonNull(request.spiffeId(), "spiffeId"));
            final List<IssuedCertificates.Issued> certificates = issued.of(id);
            if (certificates.isEmpty()) {
                throw new InvalidInputException(
                        ErrorCode.NOT_FOUND,
                        "no certificate of " + id + " is in force: this registry issued none that has not expired, "
                                + "so there is nothing to revoke (meshctl services lists the services; a join token "
                                + "not yet used is revoked with meshctl token revoke)");
            }
            // Certificate times have whole seconds and start BACKDATE before their issue: every certificate issued
            // up to now starts at or before this cut, and issueTime(id) makes every later one start after it.
            final Instant cut = now.truncatedTo(ChronoUnit.SECONDS).minus(CertificateAuthority.backdate());
            Instant until = now.plus(ca.leafLifetime());
            for (IssuedCertificates.Issued certificate : certificates) {
                if (certificate.notAfter().isAfter(until)) {
                    until = certificate.notAfter();
                }
            }
            revocation = new Revocation(id.toString(), null, cut, now, until);
        }
        if (dryRun) {
            return revocation;
        }
        for (int attempt = 1; ; attempt++) {
            final Versioned<Document> read = store.get(KEY);
            final Document document = requireNonNull(read.document(), "document");
            final @Nullable String serial = revocation.serial();
            if (serial != null) {
                // Revoked meanwhile through another replica: that revocation is the one in force.
                final @Nullable Revocation known = revokedAlready(document.revocations(), serial);
                if (known != null) {
                    return known;
                }
            }
            final List<Revocation> revocations = new ArrayList<>();
            for (Revocation known : document.revocations()) {
                // A later revocation of an identity covers every certificate an earlier one did.
                if (serial != null
                        || known.serial() != null
                        || !known.spiffeId().equals(revocation.spiffeId())) {
                    revocations.add(known);
                }
            }
            revocations.add(revocation);
            try {
                put(read.index(), new Document(document.trustBundle(), revocations, document.schedule()));
            } catch (IndexConflictException e) {
                if (attempt == ATTEMPTS) {
                    throw e;
                }
                catchUp(read.index());
                continue;
            }
            logger.warn("revoked {}; pushed to every member", revocation.describe());
            return revocation;
        }
    }

    private static @Nullable Revocation revokedAlready(List<Revocation> revocations, String serial) {
        for (Revocation known : revocations) {
            if (serial.equals(known.serial())) {
                return known;
            }
        }
        return null;
    }

    /** Waits until this replica has heard the change that moved the document past {@code index}. */
    private void catchUp(long index) {
        try {
            store.watch(KEY, index, CATCH_UP).get(CATCH_UP.toNanos() * 2, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the trust state again", e);
        } catch (ExecutionException | TimeoutException e) {
            // Tried again with what this replica has: the next write says whether it is still behind.
        }
    }

    /**
     * Publishes the roots in force now and the revocations not yet past, if either changed. Shared, a change that
     * another replica made first wins: this one looks again at its next tick.
     */
    public synchronized void publish() throws IOException {
        final Instant now = clock.instant();
        final Versioned<Document> read = store.get(KEY);
        final List<Revocation> kept = new ArrayList<>();
        final @Nullable Document stored = read.document();
        for (Revocation revocation : stored != null ? stored.revocations() : List.<Revocation>of()) {
            if (revocation.until().isAfter(now)) {
                kept.add(revocation);
            }
        }
        final Document document;
        if (shared) {
            // The mesh's schedule decides, not this replica's CA: the roots retired by now leave it (the first
            // replica to get there removes them; the others' transactions fail and find it done). A document
            // without a schedule (the first start, or one written before replicas shared it) gets the CA's.
            final List<ScheduledRoot> schedule = stored != null
                            && !stored.schedule().isEmpty()
                    ? stored.schedule().stream().filter(r -> r.isTrustedAt(now)).toList()
                    : ca.schedule();
            document = new Document(
                    Pem.write(schedule.stream().map(ScheduledRoot::certificate).toList()), List.copyOf(kept), schedule);
            if (document.sameAs(stored)) {
                return;
            }
        } else {
            final List<X509Certificate> roots = ca.trustBundle();
            // The same roots in another order are the same trust: rewriting them would have replicas undo each other.
            final String bundle = stored != null
                            && new HashSet<>(Pem.readCertificates(stored.trustBundle())).equals(new HashSet<>(roots))
                    ? stored.trustBundle()
                    : Pem.write(roots);
            document = new Document(bundle, List.copyOf(kept));
            if (document.equals(stored)) {
                return;
            }
        }
        try {
            put(read.index(), document);
        } catch (IndexConflictException e) {
            if (!shared) {
                throw e;
            }
            logger.debug("another replica changed the trust state first; looking again in {}", TICK);
        }
    }

    /** Writes {@code document} if the trust state is still at {@code index}: in etcd, a transaction on it. */
    private void put(long index, Document document) throws IOException {
        store.put(KEY, document, index);
        state();
    }

    private void tick() {
        try {
            ca.retireDue();
            issued.prune();
            publish();
            if (shared) {
                follow();
            }
            logSigning();
        } catch (StoreUnavailableException e) {
            // etcd does not answer: the replica says so once (EtcdConnection), and this looks again next second.
            logger.debug("cannot bring the trust state up to date: {}", e.getMessage());
        } catch (IOException | RuntimeException e) {
            logger.warn("cannot bring the trust state up to date; trying again in {}", TICK, e);
        }
    }

    /**
     * Why this registry cannot issue or renew certificates now (a replica without the key of the root that signs for
     * the mesh now), or {@code null} while it can: one of the readiness checks ({@code /readyz}).
     */
    public @Nullable String cannotSign() {
        try {
            ca.checkCanSign();
            return null;
        } catch (CaException e) {
            return "it cannot issue or renew certificates (answered 503): " + e.getMessage();
        }
    }

    /** Says once, when it changes, that this replica cannot sign or can again: what a 503 on renewals means. */
    private void logSigning() {
        final @Nullable String now = cannotSign();
        if (Objects.equals(now, cannotSignLogged)) {
            return;
        }
        if (now != null) {
            logger.warn("this replica is not ready: {}; /readyz answers 503, reads and watches are still served", now);
        } else {
            logger.info("this replica can issue and renew certificates again; /readyz no longer names it");
        }
        cannotSignLogged = now;
    }

    /**
     * Replicas: the CA takes the mesh's schedule (a rotation made through another replica, a root retired), and this
     * replica says in etcd which keys it holds, installed ones included.
     */
    private void follow() throws IOException {
        final @Nullable Document document = store.get(KEY).document();
        if (document != null && !document.schedule().isEmpty()) {
            ca.follow(document.schedule());
        }
        final @Nullable KeyHolders keyHolders = holders;
        if (keyHolders != null) {
            keyHolders.hold(ca.heldFingerprints());
        }
    }

    /**
     * Replicas: from now on, says in etcd (through {@code keyHolders}) which roots this replica holds a key for, so
     * that a rotation through any replica is refused while a live one lacks the new root's key.
     */
    public void holdKeys(KeyHolders keyHolders) {
        holders = requireNonNull(keyHolders, "keyHolders");
        try {
            keyHolders.hold(ca.heldFingerprints());
        } catch (RuntimeException e) {
            logger.warn("cannot say in etcd which CA keys this replica holds yet; trying again in {}", TICK, e);
        }
    }

    /**
     * Replicas: rotates the mesh to {@code next}, a root the operator made and installed on every replica. It is
     * trusted at once by every member of every replica (one transaction on the trust document), signs one leaf
     * lifetime from now, and the root signing now retires one leaf lifetime after that. With {@code dryRun}, the same
     * checks and the same answer, with nothing written.
     *
     * @throws InvalidInputException 400 for a certificate that cannot be a root of this mesh
     * @throws IllegalStateException (a 409) if a rotation is under way, {@code next} is a root already, or a live
     *     replica holds no key for it (named in the message)
     */
    public CertificateAuthority.Rotation rotateTo(X509Certificate next, boolean dryRun) throws IOException {
        if (!shared) {
            throw new InvalidInputException(
                    ErrorCode.INVALID_FIELD,
                    "certificate: a single registry makes its new root itself; rotate without one (meshctl ca rotate "
                            + "without --cert)");
        }
        try {
            InstalledRoots.check(next, ca.trustDomain(), clock.instant());
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(ErrorCode.INVALID_FIELD, "certificate: " + e.getMessage());
        }
        synchronized (this) {
            for (int attempt = 1; ; attempt++) {
                final Instant now = clock.instant();
                final Versioned<Document> read = store.get(KEY);
                final Document document = requireNonNull(read.document(), "document");
                final CertificateAuthority.SharedRotation rotation =
                        CertificateAuthority.rotated(document.schedule(), next, now, ca.leafLifetime());
                checkHolders(next);
                if (dryRun) {
                    return rotation.rotation();
                }
                try {
                    put(
                            read.index(),
                            new Document(
                                    Pem.write(rotation.schedule().stream()
                                            .map(ScheduledRoot::certificate)
                                            .toList()),
                                    document.revocations(),
                                    rotation.schedule()));
                } catch (IndexConflictException e) {
                    if (attempt == ATTEMPTS) {
                        throw e;
                    }
                    catchUp(read.index());
                    continue;
                }
                ca.follow(rotation.schedule());
                final CertificateAuthority.Rotation done = rotation.rotation();
                logger.info(
                        "CA rotation of the mesh started; {} (sha256 {}) is trusted now by every replica's members and "
                                + "signs from {}; {} retires at {}",
                        done.newRoot(),
                        Fingerprints.sha256(next),
                        done.signsFrom(),
                        done.oldRoot(),
                        done.oldRootRetiresAt());
                return done;
            }
        }
    }

    /** Refuses (409) a rotation to {@code next} while a live replica, this one included, holds no key for it. */
    private void checkHolders(X509Certificate next) {
        final @Nullable KeyHolders keyHolders = holders;
        if (keyHolders == null) {
            throw new IllegalStateException("this replica has not yet said in etcd which keys it holds; try again in "
                    + "a second; nothing was rotated");
        }
        final String fingerprint = Fingerprints.sha256(next);
        final Map<String, Set<String>> live = new TreeMap<>(keyHolders.live());
        live.put(keyHolders.self(), ca.heldFingerprints()); // this replica's own, as of now
        final List<String> lacking = live.entrySet().stream()
                .filter(entry -> !entry.getValue().contains(fingerprint))
                .map(Map.Entry::getKey)
                .toList();
        if (!lacking.isEmpty()) {
            throw new IllegalStateException("replica(s) " + String.join(", ", lacking) + " of " + live.size()
                    + " hold no key for " + next.getSubjectX500Principal().getName() + " (sha256 " + fingerprint
                    + "): run meshctl ca install --data-dir DIR --cert ROOT.crt --key ROOT.key on each, then rotate "
                    + "again; nothing was rotated");
        }
    }

    private SpiffeId workloadId(String text) {
        final SpiffeId id;
        try {
            id = SpiffeId.parse(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(
                    ErrorCode.INVALID_FIELD,
                    "spiffeId: " + e.getMessage() + " (expected: spiffe://" + ca.trustDomain() + "/svc/<service>)");
        }
        if (!id.trustDomain().equals(ca.trustDomain()) || id.service().isEmpty()) {
            throw new InvalidInputException(
                    ErrorCode.INVALID_FIELD,
                    "spiffeId: " + id + " is not a workload of this mesh (expected: spiffe://" + ca.trustDomain()
                            + "/svc/<service>)");
        }
        return id;
    }

    private static TrustSnapshot snapshot(Versioned<Document> versioned) {
        final Document document = requireNonNull(versioned.document(), "document");
        return new TrustSnapshot(versioned.index(), document.trustBundle(), document.revocations());
    }

    /** Answers every held watch, for a registry that stops, and stops looking for retired roots. */
    @Override
    public synchronized void close() {
        if (tick != null) {
            tick.cancel(false);
        }
        final @Nullable KeyHolders keyHolders = holders;
        if (keyHolders != null) {
            keyHolders.close(); // this replica leaves the holders at once, not one lease later
        }
        store.wakeAll();
    }
}
