package io.mesh4j.core.identity;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.MeshScheduler;
import io.mesh4j.core.internal.identity.IdentityAccess;
import io.mesh4j.core.internal.identity.Pem;
import io.mesh4j.core.internal.identity.RegistryTrust;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.state.StateDir;

/**
 * Builds a {@link WorkloadIdentity}: what an operator hands a new workload (a join token and the trust bundle)
 * and where the registry is. Made by {@link WorkloadIdentity#builder(java.net.URI, String)}; the trust bundle is
 * required, the rest has defaults.
 */
public final class WorkloadIdentityBuilder {

    private final List<URI> registryUris;
    private final ServiceName service;
    private @Nullable String joinToken;
    private @Nullable Path serviceAccountTokenFile;
    private @Nullable List<X509Certificate> trustBundle;
    private @Nullable String trustDomain;
    private Clock clock = Clock.systemUTC();
    private ScheduledExecutorService scheduler = MeshScheduler.get();
    private @Nullable Path stateDir;
    private @Nullable Duration stateBudget;

    WorkloadIdentityBuilder(List<URI> registryUris, ServiceName service) {
        for (URI registryUri : registryUris) {
            if (!"https".equals(registryUri.getScheme())) {
                throw new IllegalArgumentException("registry uri: " + registryUri + " (expected: https://, since "
                        + "identities are issued over TLS; a plaintext mesh has none)");
            }
        }
        this.registryUris = RegistryClient.checkUris(registryUris);
        this.service = service;
    }

    /**
     * Sets the join token the operator made for this service ({@code meshctl token create --service <service>}).
     * Without one the identity builds, but {@link WorkloadIdentity#start()} fails.
     *
     * @param joinToken the token; surrounding white space is removed
     * @return this builder
     */
    public WorkloadIdentityBuilder joinToken(String joinToken) {
        this.joinToken = requireNonNull(joinToken, "joinToken").strip();
        return this;
    }

    /**
     * Sets the join token to the content of {@code file}, read now.
     *
     * @param file a file holding the token, such as the one {@code meshctl token create} wrote
     * @return this builder
     * @throws java.io.UncheckedIOException if the file cannot be read
     */
    public WorkloadIdentityBuilder joinTokenFile(Path file) {
        return joinToken(read(file, "join token"));
    }

    /**
     * Joins with the pod's Kubernetes service-account token instead of a join token: a projected token with
     * audience {@code mesh4j} that the registry checks with the API server's TokenReview and maps to a service
     * (by default, service account name = service name, in the namespaces the registry admits). The file is read
     * at every join, not now: the kubelet rotates a projected token while the pod runs. A join token, if also
     * set, is used first. Renewals prove themselves with the current certificate, as with a join token.
     *
     * <pre>{@code
     * volumes:
     *   - name: mesh4j-token
     *     projected:
     *       sources:
     *         - serviceAccountToken: {audience: mesh4j, expirationSeconds: 3600, path: token}
     * }</pre>
     *
     * @param file where the volume puts the token, such as {@code /var/run/secrets/mesh4j/token}
     * @return this builder
     */
    public WorkloadIdentityBuilder serviceAccountTokenFile(Path file) {
        serviceAccountTokenFile = requireNonNull(file, "file");
        return this;
    }

    /**
     * Sets the roots to trust the registry by until it sends its own bundle: {@code <data-dir>/trust-bundle.pem}.
     * Required.
     *
     * @param pem one or more PEM certificates
     * @return this builder
     * @throws IllegalArgumentException if {@code pem} holds no certificate or a malformed one
     */
    public WorkloadIdentityBuilder trustBundle(String pem) {
        try {
            trustBundle = Pem.readCertificates(requireNonNull(pem, "pem"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("trust bundle: " + e.getMessage(), e);
        }
        return this;
    }

    /**
     * Sets the trust bundle to the content of {@code file}, read now.
     *
     * @param file a PEM file, such as the registry's {@code <data-dir>/trust-bundle.pem}
     * @return this builder
     * @throws java.io.UncheckedIOException if the file cannot be read
     * @throws IllegalArgumentException if it holds no certificate or a malformed one
     */
    public WorkloadIdentityBuilder trustBundleFile(Path file) {
        return trustBundle(read(file, "trust bundle"));
    }

    /**
     * Sets the trust domain; read from the trust bundle's roots (their {@code spiffe://<trust-domain>} name) unless
     * set.
     *
     * @param trustDomain such as {@code mesh.local}
     * @return this builder
     * @throws IllegalArgumentException if the name is not a valid trust domain
     */
    public WorkloadIdentityBuilder trustDomain(String trustDomain) {
        this.trustDomain = SpiffeId.checkTrustDomain(requireNonNull(trustDomain, "trustDomain"));
        return this;
    }

    /**
     * Sets the clock that certificates are checked and renewals timed with; the system's UTC clock unless set.
     * For tests.
     *
     * @param clock the clock
     * @return this builder
     */
    public WorkloadIdentityBuilder clock(Clock clock) {
        this.clock = requireNonNull(clock, "clock");
        return this;
    }

    /**
     * Sets the executor that runs renewals and retries; unless set, the one thread that every mesh4j timer of the
     * process shares ({@code mesh4j-scheduler}). Its tasks do not block. The identity does not shut it down.
     *
     * @param scheduler the executor
     * @return this builder
     */
    public WorkloadIdentityBuilder scheduler(ScheduledExecutorService scheduler) {
        this.scheduler = requireNonNull(scheduler, "scheduler");
        return this;
    }

    /**
     * Keeps the workload's last-known-good state in {@code dir}: its current certificate and key (in a file only its
     * user may read), the trust state, and what its mesh client and server hear from the registry. A restart then
     * starts from it: with the certificate, still valid, instead of a join token, whether or not the registry can be
     * reached; renewed with itself as a running workload's is. A mesh client or server built with this identity and
     * {@code stateDir(..)} sets it too. None unless set. One directory per instance: replicas must not share one.
     *
     * @param dir a directory of this workload's own; made owner-only ({@code rwx------}) if missing
     * @return this builder
     */
    public WorkloadIdentityBuilder stateDir(Path dir) {
        stateDir = requireNonNull(dir, "dir");
        return this;
    }

    /**
     * Sets how old the state of the {@linkplain #stateDir state directory} may be, while the workload runs from it,
     * before its health calls it stale ({@code ...: stale, older than its budget of 1h}); one hour unless set. Traffic
     * keeps flowing either way: stale says the endpoints and policies in force may have changed since.
     *
     * @param budget more than zero
     * @return this builder
     * @throws IllegalArgumentException if zero or negative
     */
    public WorkloadIdentityBuilder stateBudget(Duration budget) {
        requireNonNull(budget, "budget");
        if (budget.isNegative() || budget.isZero()) {
            throw new IllegalArgumentException("stateBudget: " + budget + " (expected: > 0)");
        }
        stateBudget = budget;
        return this;
    }

    /**
     * Returns an identity that has no certificate yet: call {@link WorkloadIdentity#start()}.
     *
     * @return a new identity
     * @throws IllegalStateException if the trust bundle is missing, or the trust domain cannot be told
     * @throws IllegalArgumentException if the state directory is not a directory, or cannot be made or written
     */
    public WorkloadIdentity build() {
        if (trustBundle == null) {
            throw new IllegalStateException("trust bundle: not set (expected: the registry's roots, from "
                    + "<data-dir>/trust-bundle.pem, to verify the registry by)");
        }
        final String domain = trustDomain != null ? trustDomain : RegistryTrust.trustDomainOf(trustBundle);
        final WorkloadIdentity identity = new WorkloadIdentity(
                registryUris,
                service,
                domain,
                joinToken,
                serviceAccountTokenFile,
                trustBundle,
                clock,
                scheduler,
                stateDir);
        final @Nullable StateDir state = IdentityAccess.STATE.get(identity).stateDir();
        if (state != null && stateBudget != null) {
            state.status().budget(stateBudget);
        }
        return identity;
    }

    private static String read(Path file, String what) {
        try {
            return Files.readString(requireNonNull(file, "file"), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the " + what + " in " + file + ": " + e.getMessage(), e);
        }
    }
}
