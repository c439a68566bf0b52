package io.mesh4j.core.internal.state;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.CommonPools;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.identity.IdentityAccess;
import io.mesh4j.core.internal.identity.Pem;
import io.mesh4j.core.internal.registry.InstancesSnapshot;
import io.mesh4j.core.internal.registry.PolicyJson;
import io.mesh4j.core.internal.registry.PolicyJson.PolicySnapshot;
import io.mesh4j.core.internal.registry.RegistryJson;
import io.mesh4j.core.internal.registry.RouteJson;
import io.mesh4j.core.internal.registry.RouteJson.RoutesSnapshot;
import io.mesh4j.core.internal.registry.TrustJson;
import io.mesh4j.core.internal.registry.TrustJson.TrustSnapshot;

/**
 * A member's state directory: what it last heard from the registry, in the registry's own JSON, and its current
 * certificate and key. One per workload: its identity, mesh client and mesh server share it.
 *
 * <pre>
 * credentials.pem          the private key (PKCS#8) and the certificate chain, in one file so that they never
 *                          disagree; owner-only, and refused if others may read it
 * trust.json               the trust state: the roots in force and the revocations
 * endpoints/SERVICE.json   the instances of each service called
 * routes/SERVICE.json      the route config of each service called or served
 * policies/SERVICE.json    the access policy of the service served
 * </pre>
 *
 * <p>Saving is asynchronous (see {@link StateWriter}); loading logs one line for a file it refuses and returns
 * {@code null}, as for a file that is not there: the member then starts as it would without it.
 */
public final class StateDir {

    private static final Logger logger = LoggerFactory.getLogger(StateDir.class);

    /** What was loaded, and when it was written. */
    public record Saved<T>(T value, Instant savedAt) {}

    /** A private key and the certificate chain issued for it, leaf first. */
    public record Credentials(PrivateKey key, List<X509Certificate> chain) {}

    private static final String BEGIN_CERTIFICATE = "-----BEGIN CERTIFICATE-----";

    private final Path dir;
    private final Clock clock;
    private final StateWriter writer;
    private final LastKnownGood status;

    private StateDir(Path dir, Clock clock, Executor executor) {
        this.dir = dir;
        this.clock = clock;
        writer = new StateWriter(executor);
        status = new LastKnownGood(dir.toString(), clock);
    }

    /**
     * Opens {@code dir}, making it (owner-only) if it is missing.
     *
     * @throws IllegalArgumentException if it is not a directory, or cannot be made or written
     */
    public static StateDir open(Path dir) {
        return open(dir, Clock.systemUTC(), CommonPools.blockingTaskExecutor());
    }

    /**
     * The state directory of a mesh client or server: {@code dir}, which becomes its identity's too, else its
     * identity's, else none.
     *
     * @throws IllegalArgumentException if {@code dir} cannot be used, or the identity keeps its state in another
     */
    public static @Nullable StateDir ofMember(@Nullable Path dir, @Nullable WorkloadIdentity identity) {
        if (identity != null) {
            return dir != null
                    ? IdentityAccess.STATE.get(identity).keepIn(dir)
                    : IdentityAccess.STATE.get(identity).stateDir();
        }
        return dir != null ? open(dir) : null;
    }

    static StateDir open(Path dir, Clock clock, Executor executor) {
        final Path path = requireNonNull(dir, "dir").toAbsolutePath().normalize();
        if (Files.exists(path) && !Files.isDirectory(path)) {
            throw new IllegalArgumentException("state dir: " + path + " is not a directory (expected: a directory of "
                    + "this workload's own, such as /var/lib/mesh/orders)");
        }
        try {
            makeOwnerOnly(path);
            for (String sub : List.of("endpoints", "routes", "policies")) {
                makeOwnerOnly(path.resolve(sub));
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "state dir: cannot make " + path + " (" + e + "); expected a directory this workload may write", e);
        }
        if (!Files.isWritable(path)) {
            throw new IllegalArgumentException(
                    "state dir: " + path + " is not writable by this process (expected: a directory of its own)");
        }
        return new StateDir(path, clock, executor);
    }

    /** Makes a directory the member's user alone can enter; leaves one that is there as it is. */
    private static void makeOwnerOnly(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createDirectories(
                    dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectories(dir);
        }
    }

    public Path path() {
        return dir;
    }

    /** Whether the member runs from this state now; shared by the identity, client and server of the workload. */
    public LastKnownGood status() {
        return status;
    }

    // ---- identity

    public @Nullable Saved<Credentials> credentials() {
        return load(dir.resolve("credentials.pem"), true, "the certificate and key", bytes -> {
            final String pem = new String(bytes, StandardCharsets.US_ASCII);
            final int certificates = pem.indexOf(BEGIN_CERTIFICATE);
            if (certificates < 0) {
                throw new IllegalArgumentException("no certificate");
            }
            return new Credentials(
                    Pem.readPrivateKey(pem.substring(0, certificates)),
                    Pem.readCertificates(pem.substring(certificates)));
        });
    }

    /** Keeps {@code key} and the chain issued for it; a registry answer, so the member no longer runs from disk. */
    public void saveCredentials(PrivateKey key, List<X509Certificate> chain) {
        status.answered();
        write(dir.resolve("credentials.pem"), Pem.write(key, chain).getBytes(StandardCharsets.US_ASCII));
    }

    public @Nullable Saved<TrustSnapshot> trust() {
        return load(dir.resolve("trust.json"), false, "the trust state", TrustJson::parseSnapshot);
    }

    public void saveTrust(TrustSnapshot trust) {
        status.answered();
        write(dir.resolve("trust.json"), TrustJson.writeSnapshot(trust));
    }

    // ---- what the registry says of services

    public @Nullable Saved<InstancesSnapshot> endpoints(ServiceName service) {
        return load(file("endpoints", service), false, "the endpoints of " + service, RegistryJson::parseSnapshot);
    }

    public void saveEndpoints(ServiceName service, InstancesSnapshot snapshot) {
        status.answered();
        write(file("endpoints", service), RegistryJson.writeSnapshot(snapshot));
    }

    public @Nullable Saved<RoutesSnapshot> routes(ServiceName service) {
        return load(file("routes", service), false, "the route config of " + service, RouteJson::parseSnapshot);
    }

    public void saveRoutes(ServiceName service, RoutesSnapshot snapshot) {
        status.answered();
        write(file("routes", service), RouteJson.writeSnapshot(snapshot));
    }

    public @Nullable Saved<PolicySnapshot> policy(ServiceName service) {
        return load(file("policies", service), false, "the access policy of " + service, PolicyJson::parseSnapshot);
    }

    public void savePolicy(ServiceName service, PolicySnapshot snapshot) {
        status.answered();
        write(file("policies", service), PolicyJson.writeSnapshot(snapshot));
    }

    /** Waits for the writes asked for so far, at most {@code timeout}: before a planned stop. */
    public boolean flush(Duration timeout) {
        return writer.flush(timeout);
    }

    private Path file(String kind, ServiceName service) {
        // A service name is a DNS-1123 label: a file name as it is.
        return dir.resolve(kind).resolve(service.value() + ".json");
    }

    private void write(Path file, byte[] content) {
        writer.write(file, content, clock.instant());
    }

    private <T> @Nullable Saved<T> load(Path file, boolean secret, String what, Function<byte[], T> parse) {
        final StateFile.Content content;
        try {
            content = StateFile.read(file, secret);
        } catch (StateFile.RefusedException e) {
            logger.warn(
                    "{} ({}): refusing this last-known-good state file: {}; ignoring it", file, what, e.getMessage());
            return null;
        } catch (IOException e) {
            logger.warn(
                    "{} ({}): cannot read this last-known-good state file ({}); ignoring it", file, what, e.toString());
            return null;
        }
        if (content == null) {
            return null;
        }
        try {
            return new Saved<>(parse.apply(content.bytes()), content.savedAt());
        } catch (RuntimeException e) {
            // The checksum matched: this is what was written, by a version that wrote something else.
            logger.warn(
                    "{} ({}): refusing this last-known-good state file: its content cannot be read ({}); ignoring it",
                    file,
                    what,
                    e.getMessage());
            return null;
        }
    }

    @Override
    public String toString() {
        return "StateDir(" + dir + ", " + status + ')';
    }
}
