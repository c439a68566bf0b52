package io.mesh4j.registry.internal.ca;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.bouncycastle.asn1.x509.GeneralName;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.common.TlsProvider;

import io.mesh4j.core.internal.identity.KeyPairs;

/**
 * The certificate the registry serves with: issued by its own CA for {@code spiffe://<trust-domain>/registry}
 * and the names and addresses it is reached by (so that {@code curl --cacert} verifies it too), renewed at two
 * thirds of its life. New connections get the new certificate; open ones keep theirs.
 */
public final class RegistryCertificate implements TlsProvider {

    private static final Logger logger = LoggerFactory.getLogger(RegistryCertificate.class);

    private final CertificateAuthority ca;
    private final List<GeneralName> names;
    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private volatile TlsKeyPair current;
    private @Nullable ScheduledFuture<?> renewal;

    private RegistryCertificate(
            CertificateAuthority ca, List<GeneralName> names, ScheduledExecutorService scheduler, Clock clock) {
        this.ca = ca;
        this.names = names;
        this.scheduler = scheduler;
        this.clock = clock;
        current = issue();
    }

    /**
     * Issues the registry's certificate now, for {@code bindHost} and every address of this machine plus
     * {@code extraNames}, and keeps renewing it.
     */
    public static RegistryCertificate start(
            CertificateAuthority ca,
            String bindHost,
            List<String> extraNames,
            ScheduledExecutorService scheduler,
            Clock clock) {
        requireNonNull(ca, "ca");
        final RegistryCertificate certificate = new RegistryCertificate(
                ca,
                names(bindHost, extraNames),
                requireNonNull(scheduler, "scheduler"),
                requireNonNull(clock, "clock"));
        certificate.scheduleRenewal();
        return certificate;
    }

    private TlsKeyPair issue() {
        final KeyPair key = KeyPairs.newP256();
        final List<X509Certificate> chain = ca.issueRegistry(key.getPublic(), names);
        return TlsKeyPair.of(key.getPrivate(), chain);
    }

    private synchronized void scheduleRenewal() {
        final X509Certificate leaf = current.certificateChain().get(0);
        final Instant issued = leaf.getNotBefore().toInstant();
        final Duration life = Duration.between(issued, leaf.getNotAfter().toInstant());
        final Duration untilRenewal = Duration.between(
                clock.instant(), issued.plus(life.multipliedBy(2).dividedBy(3)));
        renewal = scheduler.schedule(this::renew, Math.max(0, untilRenewal.toMillis()), TimeUnit.MILLISECONDS);
    }

    private void renew() {
        try {
            current = issue();
            logger.debug(
                    "renewed the registry's certificate until {}",
                    current.certificateChain().get(0).getNotAfter().toInstant());
        } catch (RuntimeException e) {
            logger.warn("cannot renew the registry's certificate; trying again in a second", e);
            synchronized (this) {
                renewal = scheduler.schedule(this::renew, 1, TimeUnit.SECONDS);
            }
            return;
        }
        scheduleRenewal();
    }

    @Override
    public TlsKeyPair keyPair(String hostname) {
        return current;
    }

    @Override
    public List<X509Certificate> trustedCertificates(String hostname) {
        return ca.trustBundle();
    }

    @Override
    public boolean autoClose() {
        return false;
    }

    @Override
    public synchronized void close() {
        if (renewal != null) {
            renewal.cancel(false);
        }
    }

    private static List<GeneralName> names(String bindHost, List<String> extraNames) {
        final Set<String> dns = new LinkedHashSet<>();
        final Set<String> ips = new LinkedHashSet<>();
        dns.add("localhost");
        ips.add("127.0.0.1");
        ips.add("::1");
        try {
            dns.add(InetAddress.getLocalHost().getHostName());
        } catch (UnknownHostException e) {
            // A machine without a resolvable name is still reachable by address.
        }
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    if (!address.isLinkLocalAddress()) {
                        ips.add(address.getHostAddress().replaceAll("%.*$", ""));
                    }
                }
            }
        } catch (SocketException e) {
            // Addresses are a convenience for curl users; the mesh itself checks the SPIFFE ID.
        }
        for (String name : extraNames) {
            (isAddress(name) ? ips : dns).add(name);
        }
        if (!"0.0.0.0".equals(bindHost) && !"::".equals(bindHost)) {
            (isAddress(bindHost) ? ips : dns).add(bindHost);
        }
        final List<GeneralName> names = new ArrayList<>();
        dns.forEach(name -> names.add(new GeneralName(GeneralName.dNSName, name)));
        ips.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
        return names;
    }

    private static boolean isAddress(String name) {
        return io.netty.util.NetUtil.isValidIpV4Address(name) || io.netty.util.NetUtil.isValidIpV6Address(name);
    }
}
