package io.mesh4j.core.internal.identity;

import com.linecorp.armeria.common.Flags;
import com.linecorp.armeria.common.FlagsProvider;

/**
 * Installs {@link CertificateGauges}' filter in the process-wide registry when Armeria reads its flags, which it does
 * before it registers its first meter: a filter added to a registry that already has meters makes Micrometer warn
 * ("A MeterFilter is being configured after a Meter has been registered"), and a process that had used Armeria
 * before it built its first workload identity (a registry, a raw client or server in the same process) saw that
 * WARN when the identity added the filter. Armeria loads its flags providers with {@link java.util.ServiceLoader}
 * from {@link Flags}' class initialiser; this one sets no flag.
 */
public final class CertificateGaugesFlagsProvider implements FlagsProvider {

    /** Called by the service loader, as {@link Flags} is initialised. */
    public CertificateGaugesFlagsProvider() {
        CertificateGauges.quiet();
    }

    /** The lowest but Armeria's defaults': it sets no flag, so where it stands decides nothing. */
    @Override
    public int priority() {
        return Integer.MIN_VALUE + 1;
    }

    @Override
    public String name() {
        return "mesh4j";
    }
}
