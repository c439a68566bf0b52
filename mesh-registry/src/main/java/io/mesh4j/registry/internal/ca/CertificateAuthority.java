package io.mesh4j.registry.internal.ca;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.bouncycastle.asn1.x509.GeneralName;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.core.internal.identity.KeyPairs;
import io.mesh4j.core.internal.identity.Pem;

/**
 * The registry's certificate authority, kept in {@code <data-dir>/ca}: its roots (the private keys readable by
 * the registry's user only), which of them signs now, and which are in the trust bundle.
 *
 * <p>A rotation never leaves a workload unable to verify a peer. {@link #rotate()} makes a new root and
 * publishes it in the trust bundle at once, but it signs only one leaf lifetime later: by then every workload
 * has renewed (at two thirds of a lifetime) and received the bundle with both roots. The old root stays in the
 * bundle one more leaf lifetime, until the last leaf it signed has expired, and then retires: {@link #retireDue()}
 * deletes its key and certificate and rewrites {@code trust-bundle.pem} without it, so that a rotation made because
 * a key leaked leaves nothing of that key behind.
 */
public final class CertificateAuthority {

    /** How long a root the registry makes is valid; rotate long before. */
    static final Duration ROOT_LIFETIME = Duration.ofDays(5 * 365);

    static final Duration MIN_LEAF_LIFETIME = Duration.ofSeconds(10);
    static final Duration MAX_LEAF_LIFETIME = Duration.ofDays(30);

    private static final Logger logger = LoggerFactory.getLogger(CertificateAuthority.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STATE = "state.json";
    /** The roots in PEM, in the data directory, for operators to hand to new workloads. */
    public static final String TRUST_BUNDLE = "trust-bundle.pem";

    private final Path dir;
    private final String trustDomain;
    private final Duration leafLifetime;
    private final Clock clock;
    private final boolean created;
    private final InstalledRoots installed;
    private List<Root> roots;

    private CertificateAuthority(
            Path dir, String trustDomain, Duration leafLifetime, Clock clock, List<Root> roots, boolean created) {
        this.dir = dir;
        this.trustDomain = trustDomain;
        this.leafLifetime = leafLifetime;
        this.clock = clock;
        this.roots = roots;
        this.created = created;
        this.installed = new InstalledRoots(dir);
    }

    /**
     * Opens the CA in {@code dir}, making its first root if it has none: from {@code operatorRoot} when given,
     * else a new ECDSA P-256 root.
     *
     * @throws CaException saying what to change
     */
    public static CertificateAuthority open(
            Path dir, String trustDomain, Duration leafLifetime, Clock clock, @Nullable OperatorRoot operatorRoot)
            throws IOException {
        requireNonNull(dir, "dir");
        SpiffeId.checkTrustDomain(requireNonNull(trustDomain, "trustDomain"));
        checkLeafLifetime(leafLifetime);
        OwnerOnlyFiles.directory(dir);
        final Path state = dir.resolve(STATE);
        if (Files.exists(state)) {
            final CertificateAuthority ca = load(dir, trustDomain, leafLifetime, clock);
            // A root that retired while the registry was down goes now, not at the next rotation.
            ca.retireDue();
            if (operatorRoot != null
                    && ca.roots.stream().noneMatch(r -> r.certificate().equals(operatorRoot.certificate()))) {
                throw new CaException(dir + " already holds a CA with other roots; start without --ca-cert/--ca-key, "
                        + "or with a fresh --data-dir to use the root you provide");
            }
            return ca;
        }
        final Instant now = clock.instant();
        final Root first;
        if (operatorRoot != null) {
            first = new Root("root-1", operatorRoot.certificate(), operatorRoot.key(), now, null);
        } else {
            final KeyPair key = KeyPairs.newP256();
            first = new Root("root-1", newRoot(key, trustDomain, "root-1", now), key.getPrivate(), now, null);
        }
        final CertificateAuthority ca =
                new CertificateAuthority(dir, trustDomain, leafLifetime, clock, List.of(first), true);
        ca.save();
        return ca;
    }

    public static void checkLeafLifetime(Duration leafLifetime) {
        requireNonNull(leafLifetime, "leafLifetime");
        if (leafLifetime.compareTo(MIN_LEAF_LIFETIME) < 0 || leafLifetime.compareTo(MAX_LEAF_LIFETIME) > 0) {
            throw new IllegalArgumentException(
                    "leaf lifetime: " + leafLifetime.toSeconds() + "s (expected: 10s to " + "30d; the default is 24h)");
        }
    }

    public String trustDomain() {
        return trustDomain;
    }

    /** Whether this start made the CA's first root (the registry says so once it serves). */
    public boolean wasCreated() {
        return created;
    }

    public Duration leafLifetime() {
        return leafLifetime;
    }

    /**
     * The roots a workload must trust now: the signing one, and during a rotation the other one as well.
     */
    public synchronized List<X509Certificate> trustBundle() {
        final Instant now = clock.instant();
        final List<X509Certificate> bundle = new ArrayList<>();
        for (Root root : roots) {
            if (root.isTrustedAt(now)) {
                bundle.add(root.certificate());
            }
        }
        return List.copyOf(bundle);
    }

    /**
     * Issues a workload's certificate for {@code id}: TLS server and client, for one leaf lifetime.
     *
     * @return the certificate followed by the root that signed it
     */
    public synchronized List<X509Certificate> issueWorkload(PublicKey key, SpiffeId id) {
        return issueWorkload(key, id, clock.instant());
    }

    /**
     * As {@link #issueWorkload(PublicKey, SpiffeId)}, as if issued at {@code issuedAt} rather than now: a moment
     * later, so that a certificate issued right after a revocation of its identity starts after the revocation's
     * cut (certificate times have whole seconds).
     */
    public synchronized List<X509Certificate> issueWorkload(PublicKey key, SpiffeId id, Instant issuedAt) {
        checkOwnDomain(id);
        final Root signer = signer();
        final X509Certificate leaf = CertificateIssuer.leaf(
                key, id, List.of(), true, signer.certificate(), requireNonNull(signer.key()), issuedAt, leafLifetime);
        return List.of(leaf, signer.certificate());
    }

    /** How far before its issue a certificate's validity starts, for clocks that lag the registry's. */
    public static Duration backdate() {
        return CertificateIssuer.BACKDATE;
    }

    /**
     * Retires the roots whose time has come: their key and certificate are deleted and {@code trust-bundle.pem} is
     * rewritten with the roots in force only.
     *
     * @return whether a root retired
     */
    public synchronized boolean retireDue() throws IOException {
        final int before = roots.size();
        dropRetired(clock.instant());
        if (roots.size() == before) {
            return false;
        }
        save();
        return true;
    }

    /**
     * Issues the registry's own serving certificate, for its SPIFFE ID and the names it is reached by.
     */
    public synchronized List<X509Certificate> issueRegistry(PublicKey key, List<GeneralName> names) {
        final Root signer = signer();
        final X509Certificate leaf = CertificateIssuer.leaf(
                key,
                SpiffeId.ofRegistry(trustDomain),
                names,
                false,
                signer.certificate(),
                requireNonNull(signer.key()),
                clock.instant(),
                leafLifetime);
        return List.of(leaf, signer.certificate());
    }

    /**
     * Starts a rotation: a new root, trusted now, signing one leaf lifetime from now; the current root retires two
     * leaf lifetimes from now.
     *
     * @throws IllegalStateException if a rotation is still under way, saying until when
     */
    public synchronized Rotation rotate() throws IOException {
        final Instant now = clock.instant();
        dropRetired(now);
        checkNoRotationUnderWay(now);
        final Root current = signer();
        final String name = nextRootName();
        final KeyPair key = KeyPairs.newP256();
        final Root next =
                new Root(name, newRoot(key, trustDomain, name, now), key.getPrivate(), now.plus(leafLifetime), null);
        final Instant retire = now.plus(leafLifetime.multipliedBy(2));
        final List<Root> rotated = new ArrayList<>();
        for (Root root : roots) {
            rotated.add(root == current ? root.retiringAt(retire) : root);
        }
        rotated.add(next);
        roots = List.copyOf(rotated);
        save();
        logger.info(
                "CA of {}: rotation started; {} is trusted now and signs from {}; {} retires at {}",
                trustDomain,
                next.name(),
                next.signingFrom(),
                current.name(),
                retire);
        return new Rotation(next.name(), next.signingFrom(), current.name(), retire);
    }

    private static X509Certificate newRoot(KeyPair key, String trustDomain, String name, Instant now) {
        if (!TrustDomainConstraint.applies(trustDomain)) {
            logger.warn(
                    "CA of {}: {} carries no name constraint, because the trust domain is not a host name (letters, "
                            + "digits, '-' and '.') that every verifier can read in one; it may sign for any "
                            + "trust domain",
                    trustDomain,
                    name);
        }
        return CertificateIssuer.root(key, trustDomain, name, now, ROOT_LIFETIME);
    }

    /**
     * What {@link #rotate()} would do if called now, with the same checks, and nothing changed: the names and times
     * of the {@link Rotation} it would answer.
     *
     * @throws IllegalStateException if a rotation is still under way, as {@link #rotate()} would
     */
    public synchronized Rotation planRotation() {
        final Instant now = clock.instant();
        checkNoRotationUnderWay(now);
        return new Rotation(
                nextRootName(), now.plus(leafLifetime), signer().name(), now.plus(leafLifetime.multipliedBy(2)));
    }

    private void checkNoRotationUnderWay(Instant now) {
        for (Root root : roots) {
            if (!root.isTrustedAt(now)) {
                continue; // retired already: rotate() drops it first
            }
            if (root.signingFrom().isAfter(now) || root.retireAt() != null) {
                throw new IllegalStateException(
                        "a CA rotation is under way until " + rotationEnd() + "; start the next one after that");
            }
        }
    }

    private String nextRootName() {
        return "root-"
                + (roots.stream()
                                .map(Root::name)
                                .map(n -> n.substring(5))
                                .mapToInt(Integer::parseInt)
                                .max()
                                .orElse(0)
                        + 1);
    }

    /** What a rotation will do, and when. */
    public record Rotation(String newRoot, Instant signsFrom, String oldRoot, Instant oldRootRetiresAt) {}

    private @Nullable Instant rotationEnd() {
        return roots.stream()
                .map(Root::retireAt)
                .filter(java.util.Objects::nonNull)
                .max(Comparator.naturalOrder())
                .orElse(null);
    }

    private Root signer() {
        final Instant now = clock.instant();
        Root signer = null;
        for (Root root : roots) {
            if (!root.signingFrom().isAfter(now)
                    && root.isTrustedAt(now)
                    && (signer == null || root.signingFrom().isAfter(signer.signingFrom()))) {
                signer = root;
            }
        }
        if (signer == null) {
            throw new IllegalStateException(
                    "the CA of " + trustDomain + " has no valid root to sign with; " + "its roots expired");
        }
        if (signer.key() == null) {
            throw new IllegalStateException(
                    "this replica holds no key for " + signer.scheduled().describe()
                            + ", which signs for the mesh now: install it here with meshctl ca install --data-dir DIR "
                            + "--cert ROOT.crt --key ROOT.key");
        }
        return signer;
    }

    private void checkOwnDomain(SpiffeId id) {
        if (!id.trustDomain().equals(trustDomain)) {
            throw new IllegalArgumentException(id + " is not in this CA's trust domain " + trustDomain);
        }
    }

    private void dropRetired(Instant now) throws IOException {
        final List<Root> kept = new ArrayList<>();
        for (Root root : roots) {
            if (root.isTrustedAt(now)) {
                kept.add(root);
            } else {
                destroy(dir.resolve(root.name() + ".key"));
                Files.deleteIfExists(dir.resolve(root.name() + ".crt"));
                logger.info("CA of {}: {} retired; its key is deleted", trustDomain, root.name());
            }
        }
        roots = List.copyOf(kept);
    }

    /**
     * Overwrites a key file before deleting it, so that its blocks do not keep the key where the file system writes
     * in place; a copy-on-write or journaling file system, or a backup, may still hold it (docs/identity.md).
     */
    static void destroy(Path keyFile) throws IOException {
        if (Files.exists(keyFile)) {
            final long size = Files.size(keyFile);
            try (FileChannel channel = FileChannel.open(keyFile, StandardOpenOption.WRITE)) {
                final ByteBuffer zeros = ByteBuffer.allocate((int) size);
                while (zeros.hasRemaining()) {
                    channel.write(zeros);
                }
                channel.force(true);
            }
            Files.delete(keyFile);
        }
    }

    // ---- registry replicas: the schedule is the mesh's, in etcd; the keys are each replica's own

    /** The roots in force with their times, as the first replica publishes them for the mesh. */
    public synchronized List<ScheduledRoot> schedule() {
        final Instant now = clock.instant();
        return roots.stream()
                .filter(r -> r.isTrustedAt(now))
                .map(Root::scheduled)
                .toList();
    }

    /**
     * The SHA-256 fingerprints of the roots this replica holds a key for: its own roots in force, and those the
     * operator installed ahead of a rotation (read again from {@code installed/} at each call).
     */
    public synchronized Set<String> heldFingerprints() {
        final Instant now = clock.instant();
        final Set<String> held = new TreeSet<>(installed.scan().keySet());
        for (Root root : roots) {
            if (root.key() != null && root.isTrustedAt(now)) {
                held.add(Fingerprints.sha256(root.certificate()));
            }
        }
        return held;
    }

    /**
     * Takes the mesh's schedule, as registry replicas share it, as this CA's own: the roots it lists, with its
     * times, sign and retire here as they do on every replica. Keys are this replica's: of its own roots, or
     * installed by the operator ({@code installed/}, moved among the CA's own files once the mesh trusts the root).
     * A root of this CA that the schedule no longer lists stays only until its own retirement, and never signs.
     *
     * @return whether anything changed
     */
    public synchronized boolean follow(List<ScheduledRoot> schedule) throws IOException {
        final Instant now = clock.instant();
        final Map<String, OperatorRoot> installedNow = installed.scan();
        final List<Root> followed = new ArrayList<>();
        final Set<X509Certificate> listed = new HashSet<>();
        for (ScheduledRoot scheduled : schedule) {
            listed.add(scheduled.certificate());
            @Nullable Root own = null;
            for (Root root : roots) {
                if (root.certificate().equals(scheduled.certificate())) {
                    own = root;
                }
            }
            @Nullable PrivateKey key = own != null ? own.key() : null;
            String name = own != null ? own.name() : scheduled.name();
            final @Nullable OperatorRoot given = installedNow.get(scheduled.fingerprint());
            if (key == null && given != null) {
                if (Files.exists(dir.resolve(name + ".crt"))) {
                    logger.warn(
                            "CA of {}: {} holds another root than the mesh's {}; the installed key stays in {}",
                            trustDomain,
                            dir.resolve(name + ".crt"),
                            scheduled.describe(),
                            InstalledRoots.DIR);
                } else {
                    key = given.key();
                    OwnerOnlyFiles.write(dir.resolve(name + ".key"), Pem.bytes(Pem.write(key)));
                    OwnerOnlyFiles.write(
                            dir.resolve(name + ".crt"), Pem.bytes(Pem.write(List.of(scheduled.certificate()))));
                }
            }
            followed.add(new Root(name, scheduled.certificate(), key, scheduled.signingFrom(), scheduled.retireAt()));
        }
        for (Root root : roots) {
            if (!listed.contains(root.certificate())) {
                if (root.retireAt() != null && root.isTrustedAt(now)) {
                    // Removed by a replica whose clock is ahead: it retires here too at its time, in a moment.
                    followed.add(0, root.retiringAt(root.retireAt()));
                } else if (root.retireAt() == null) {
                    logger.warn(
                            "CA of {}: {} is not a root of the mesh's schedule; it does not sign, and its files "
                                    + "stay in {}",
                            trustDomain,
                            root.name(),
                            dir);
                } else {
                    followed.add(root); // retired: retireDue() deletes its key
                }
            }
        }
        if (followed.equals(roots)) {
            return false;
        }
        final boolean keyAdded = followed.stream()
                .anyMatch(r -> r.key() != null
                        && roots.stream().noneMatch(o -> o.certificate().equals(r.certificate()) && o.key() != null));
        roots = List.copyOf(followed);
        save();
        if (keyAdded) {
            for (Root root : roots) {
                if (root.key() != null && installedNow.containsKey(Fingerprints.sha256(root.certificate()))) {
                    installed.remove(root.certificate()); // one copy of a key, in the CA's own files
                }
            }
        }
        dropRetired(now);
        return true;
    }

    /**
     * Checks, on a replica that follows the mesh's schedule, that it holds the key of the root that signs now.
     *
     * @throws CaException naming the root to install
     */
    public synchronized void checkCanSign() throws CaException {
        try {
            signer();
        } catch (IllegalStateException e) {
            throw new CaException(requireNonNull(e.getMessage()));
        }
    }

    /**
     * The mesh's schedule after a rotation to {@code next} at {@code now}: {@code next} trusted now and signing one
     * leaf lifetime from now, the root that signs now retiring one leaf lifetime after that, as {@link #rotate()}
     * does for one registry.
     *
     * @throws IllegalStateException if a rotation is under way, or {@code next} is a root of the mesh already
     */
    public static SharedRotation rotated(
            List<ScheduledRoot> schedule, X509Certificate next, Instant now, Duration leafLifetime) {
        @Nullable ScheduledRoot current = null;
        int highest = 0;
        for (ScheduledRoot root : schedule) {
            if (root.certificate().equals(next)) {
                throw new IllegalStateException(root.describe() + " is a root of the mesh already; make a new one "
                        + "with meshctl ca new-root");
            }
            if (!root.isTrustedAt(now)) {
                continue;
            }
            if (root.signingFrom().isAfter(now) || root.retireAt() != null) {
                throw new IllegalStateException("a CA rotation is under way until "
                        + schedule.stream()
                                .map(ScheduledRoot::retireAt)
                                .filter(java.util.Objects::nonNull)
                                .max(Comparator.naturalOrder())
                                .orElse(now)
                        + "; start the next one after that");
            }
            if (current == null || root.signingFrom().isAfter(current.signingFrom())) {
                current = root;
            }
            if (root.name().matches("root-[0-9]{1,9}")) {
                highest = Math.max(highest, Integer.parseInt(root.name().substring(5)));
            }
        }
        if (current == null) {
            throw new IllegalStateException("the mesh has no root in force to rotate from");
        }
        final Instant retire = now.plus(leafLifetime.multipliedBy(2));
        final ScheduledRoot added = new ScheduledRoot("root-" + (highest + 1), next, now.plus(leafLifetime), null);
        final List<ScheduledRoot> rotated = new ArrayList<>();
        for (ScheduledRoot root : schedule) {
            if (root.isTrustedAt(now)) {
                rotated.add(
                        root == current
                                ? new ScheduledRoot(root.name(), root.certificate(), root.signingFrom(), retire)
                                : root);
            }
        }
        rotated.add(added);
        return new SharedRotation(
                List.copyOf(rotated), new Rotation(added.name(), added.signingFrom(), current.name(), retire));
    }

    /** The mesh's schedule after a rotation, and what the rotation does. */
    public record SharedRotation(List<ScheduledRoot> schedule, Rotation rotation) {}

    /**
     * A new root for {@code trustDomain}, made as the registry makes its own (ECDSA P-256, name-constrained to the
     * trust domain where it is a host name): {@code meshctl ca new-root}.
     */
    public static OperatorRoot newOperatorRoot(String trustDomain, String name, Instant now) {
        SpiffeId.checkTrustDomain(trustDomain);
        final KeyPair key = KeyPairs.newP256();
        return new OperatorRoot(newRoot(key, trustDomain, name, now), key.getPrivate());
    }

    // ---- persistence

    private void save() throws IOException {
        final ObjectNode state = JSON.createObjectNode().put("trustDomain", trustDomain);
        final ArrayNode array = state.putArray("roots");
        for (Root root : roots) {
            final @Nullable PrivateKey rootKey = root.key();
            if (rootKey == null) {
                continue; // a root of the mesh's schedule whose key this replica was not given: etcd lists it
            }
            final Path key = dir.resolve(root.name() + ".key");
            if (!Files.exists(key)) {
                OwnerOnlyFiles.write(key, Pem.bytes(Pem.write(rootKey)));
                OwnerOnlyFiles.write(dir.resolve(root.name() + ".crt"), Pem.bytes(Pem.write(root.certificate())));
            }
            final ObjectNode node = array.addObject()
                    .put("name", root.name())
                    .put("signingFrom", root.signingFrom().toString());
            if (root.retireAt() != null) {
                node.put("retireAt", root.retireAt().toString());
            }
        }
        OwnerOnlyFiles.write(
                dir.resolve(STATE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(state));
        // Public, unlike everything in the CA's own directory: what an operator hands a new workload along with
        // its join token. It sits beside that directory, in the data directory.
        final List<X509Certificate> bundle = new ArrayList<>();
        roots.forEach(root -> bundle.add(root.certificate()));
        final Path bundleFile = dir.resolveSibling(TRUST_BUNDLE);
        OwnerOnlyFiles.write(bundleFile, Pem.bytes(Pem.write(bundle)));
        OwnerOnlyFiles.makePublic(bundleFile);
    }

    /**
     * The trust domain of the CA kept in {@code dir} ({@code <data-dir>/ca}), for a command that works on a
     * registry's files beside it.
     *
     * @throws CaException if {@code dir} holds no CA
     */
    public static String trustDomainOf(Path dir) throws IOException {
        final Path state = dir.resolve(STATE);
        if (!Files.exists(state)) {
            throw new CaException(dir + " holds no CA (no " + STATE + "); give the data directory of a registry that "
                    + "has started once (--data-dir)");
        }
        return JSON.readTree(state.toFile()).path("trustDomain").asText();
    }

    private static CertificateAuthority load(Path dir, String trustDomain, Duration leafLifetime, Clock clock)
            throws IOException {
        final JsonNode state = JSON.readTree(dir.resolve(STATE).toFile());
        final String stored = state.path("trustDomain").asText();
        if (!stored.equals(trustDomain)) {
            throw new CaException(dir + " holds the CA of trust domain " + stored + ", not " + trustDomain
                    + "; start with --trust-domain " + stored + ", or with a fresh --data-dir");
        }
        final List<Root> roots = new ArrayList<>();
        for (JsonNode node : state.path("roots")) {
            final String name = node.path("name").asText();
            final Path keyFile = dir.resolve(name + ".key");
            if (!OwnerOnlyFiles.isOwnerOnly(keyFile)) {
                throw new CaException(keyFile + " can be read by others than its owner; " + "run chmod 600 " + keyFile
                        + " after checking who could have read it");
            }
            final PrivateKey key = Pem.readPrivateKey(Files.readString(keyFile, StandardCharsets.US_ASCII));
            final X509Certificate certificate = Pem.readCertificates(
                            Files.readString(dir.resolve(name + ".crt"), StandardCharsets.US_ASCII))
                    .get(0);
            roots.add(new Root(
                    name,
                    certificate,
                    key,
                    Instant.parse(node.path("signingFrom").asText()),
                    node.hasNonNull("retireAt")
                            ? Instant.parse(node.path("retireAt").asText())
                            : null));
        }
        if (roots.isEmpty()) {
            throw new CaException(dir.resolve(STATE) + " lists no root; restore the directory from a backup");
        }
        return new CertificateAuthority(dir, trustDomain, leafLifetime, clock, List.copyOf(roots), false);
    }

    @Override
    public synchronized String toString() {
        return "CertificateAuthority(" + trustDomain + ", roots="
                + roots.stream().map(Root::name).toList() + ')';
    }
}
