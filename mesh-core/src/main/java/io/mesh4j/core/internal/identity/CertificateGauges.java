package io.mesh4j.core.internal.identity;

import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.config.MeterFilter;

/**
 * Keeps Armeria's certificate gauges out of the process-wide registry, so that Micrometer does not warn at every
 * mesh process's start that the gauge "has been already registered".
 *
 * <p>Armeria registers {@code armeria.client.tls.certificate.validity} and {@code armeria.server.tls.certificate.validity}
 * (and their {@code .days}) in the process-wide registry, tagged with the certificate's host name, for every TLS
 * context it builds. The mesh builds several that present the workload's certificate chain (its registry client and
 * its mesh client; its server's again as the certificate comes and renews), so the same gauge is registered again,
 * which Micrometer ignores with a WARN; and since the gauge registered first is the one kept, it goes on reading the
 * first certificate after the mesh renews it. Micrometer answers a gauge registered again from a cache, before any
 * filter is asked, so the only filter that helps is one that keeps these gauges out from the first registration:
 * this one, added once per process before Armeria registers its first meter ({@link CertificateGaugesFlagsProvider},
 * as Armeria reads its flags; and by {@code WorkloadIdentity} before its first TLS context, for a class loader
 * in which Armeria does not see that provider). The
 * workload's certificate and its expiry are the identity's to tell ({@code WorkloadIdentity.expiresAt()}, and the
 * Spring starter's {@code mesh} health details).
 */
public final class CertificateGauges {

    /** The gauges left out. */
    public static final Set<String> NAMES = Set.of(
            "armeria.client.tls.certificate.validity",
            "armeria.client.tls.certificate.validity.days",
            "armeria.server.tls.certificate.validity",
            "armeria.server.tls.certificate.validity.days");

    private static final AtomicBoolean installed = new AtomicBoolean();

    private CertificateGauges() {}

    /** Leaves Armeria's certificate gauges out of {@link Metrics#globalRegistry}, once per process. */
    public static void quiet() {
        if (installed.compareAndSet(false, true)) {
            quiet(Metrics.globalRegistry);
        }
    }

    /**
     * Leaves Armeria's certificate gauges out of {@code registry}.
     *
     * @param registry a registry Armeria's TLS contexts register in
     */
    public static void quiet(MeterRegistry registry) {
        registry.config().meterFilter(MeterFilter.deny(id -> NAMES.contains(id.getName())));
    }
}
