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
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.CommonPools;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.identity.Pem;
import io.mesh4j.core.internal.identity.RegistryTrust;

/**
 * Builds a {@link WorkloadIdentity}: what an operator hands a new workload (a join token and the trust bundle)
 * and where the registry is.
 */
public final class WorkloadIdentityBuilder {

    private final URI registryUri;
    private final ServiceName service;
    private @Nullable String joinToken;
    private @Nullable List<X509Certificate> trustBundle;
    private @Nullable String trustDomain;
    private Clock clock = Clock.systemUTC();
    private ScheduledExecutorService scheduler = CommonPools.blockingTaskExecutor();

    WorkloadIdentityBuilder(URI registryUri, ServiceName service) {
        if (!"https".equals(registryUri.getScheme())) {
            throw new IllegalArgumentException("registry uri: " + registryUri + " (expected: https://, since "
                    + "identities are issued over TLS; a plaintext mesh has none)");
        }
        this.registryUri = registryUri;
        this.service = service;
    }

    /** The join token the operator made for this service ({@code meshctl token create --service <service>}). */
    public WorkloadIdentityBuilder joinToken(String joinToken) {
        this.joinToken = requireNonNull(joinToken, "joinToken").strip();
        return this;
    }

    public WorkloadIdentityBuilder joinTokenFile(Path file) {
        return joinToken(read(file, "join token"));
    }

    /** The roots to trust the registry by until it sends its own bundle: {@code <data-dir>/trust-bundle.pem}. */
    public WorkloadIdentityBuilder trustBundle(String pem) {
        try {
            trustBundle = Pem.readCertificates(requireNonNull(pem, "pem"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("trust bundle: " + e.getMessage(), e);
        }
        return this;
    }

    public WorkloadIdentityBuilder trustBundleFile(Path file) {
        return trustBundle(read(file, "trust bundle"));
    }

    /**
     * The trust domain; read from the trust bundle's roots (their {@code spiffe://<trust-domain>} name) unless
     * set.
     */
    public WorkloadIdentityBuilder trustDomain(String trustDomain) {
        this.trustDomain = SpiffeId.checkTrustDomain(requireNonNull(trustDomain, "trustDomain"));
        return this;
    }

    /** The clock that certificates are checked with; for tests. */
    public WorkloadIdentityBuilder clock(Clock clock) {
        this.clock = requireNonNull(clock, "clock");
        return this;
    }

    public WorkloadIdentityBuilder scheduler(ScheduledExecutorService scheduler) {
        this.scheduler = requireNonNull(scheduler, "scheduler");
        return this;
    }

    /**
     * @throws IllegalStateException if the trust bundle is missing, or the trust domain cannot be told
     */
    public WorkloadIdentity build() {
        if (trustBundle == null) {
            throw new IllegalStateException("trust bundle: not set (expected: the registry's roots, from "
                    + "<data-dir>/trust-bundle.pem, to verify the registry by)");
        }
        final String domain = trustDomain != null ? trustDomain : RegistryTrust.trustDomainOf(trustBundle);
        return new WorkloadIdentity(registryUri, service, domain, joinToken, trustBundle, clock, scheduler);
    }

    private static String read(Path file, String what) {
        try {
            return Files.readString(requireNonNull(file, "file"), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the " + what + " in " + file + ": " + e.getMessage(), e);
        }
    }
}
