package io.mesh4j.core.internal.identity;

import static java.util.Objects.requireNonNull;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.core.internal.registry.TrustJson.Revocation;

/**
 * What a member trusts at one moment: the roots in force and the revoked certificates, looked up by serial and by
 * SPIFFE ID so that a handshake pays two hash lookups for them. Immutable; a push replaces it whole.
 */
public final class TrustState {

    /** A serial is at most 20 octets (RFC 5280, 4.1.2.2): up to 40 hex digits, with or without colons. */
    private static final Pattern SERIAL = Pattern.compile("[0-9a-fA-F]{1,40}|[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){0,19}");

    private final List<X509Certificate> roots;
    private final List<Revocation> revocations;
    private final Map<BigInteger, Revocation> bySerial;
    private final Map<String, Revocation> byId;

    private TrustState(List<X509Certificate> roots, List<Revocation> revocations) {
        this.roots = List.copyOf(roots);
        this.revocations = List.copyOf(revocations);
        final Map<BigInteger, Revocation> serials = new HashMap<>();
        final Map<String, Revocation> ids = new HashMap<>();
        for (Revocation revocation : revocations) {
            if (revocation.serial() != null) {
                serials.put(parseSerial(revocation.serial()), revocation);
            } else {
                ids.merge(
                        revocation.spiffeId(),
                        revocation,
                        (a, b) -> requireNonNull(a.notBeforeUpTo()).isAfter(requireNonNull(b.notBeforeUpTo())) ? a : b);
            }
        }
        bySerial = Map.copyOf(serials);
        byId = Map.copyOf(ids);
    }

    /** The roots alone, before any revocation is known. */
    public static TrustState of(List<X509Certificate> roots) {
        return new TrustState(roots, List.of());
    }

    public static TrustState of(List<X509Certificate> roots, List<Revocation> revocations) {
        return new TrustState(roots, revocations);
    }

    /** The same revocations with other roots, such as those of a renewal's answer. */
    public TrustState withRoots(List<X509Certificate> newRoots) {
        return new TrustState(newRoots, revocations);
    }

    public List<X509Certificate> roots() {
        return roots;
    }

    public List<Revocation> revocations() {
        return revocations;
    }

    /**
     * Why {@code leaf}, a certificate of {@code id}, is revoked; null when it is not.
     */
    public @Nullable String revocationOf(X509Certificate leaf, SpiffeId id) {
        if (bySerial.isEmpty() && byId.isEmpty()) {
            return null;
        }
        final @Nullable Revocation bySerialNumber = bySerial.get(leaf.getSerialNumber());
        if (bySerialNumber != null) {
            return "the certificate of " + id + " (serial " + formatSerial(leaf.getSerialNumber()) + ") was revoked at "
                    + bySerialNumber.revokedAt();
        }
        final @Nullable Revocation byIdentity = byId.get(id.toString());
        if (byIdentity != null) {
            final Instant notBefore = leaf.getNotBefore().toInstant();
            if (!notBefore.isAfter(requireNonNull(byIdentity.notBeforeUpTo(), "notBeforeUpTo"))) {
                return "every certificate of " + id + " issued up to " + byIdentity.revokedAt() + " was revoked";
            }
        }
        return null;
    }

    /**
     * Reads a serial as {@code meshctl} and the admin API accept it: hex digits, or hex octets joined by colons.
     *
     * @throws IllegalArgumentException saying what a serial looks like
     */
    public static BigInteger parseSerial(String text) {
        requireNonNull(text, "text");
        if (!SERIAL.matcher(text).matches()) {
            throw new IllegalArgumentException("serial: '" + text + "' (expected: the certificate's serial number in "
                    + "hex, up to 40 digits, such as 3f2a9c or 3f:2a:9c; openssl x509 -noout -serial prints it)");
        }
        return new BigInteger(text.replace(":", ""), 16);
    }

    /** A serial as the registry writes it: lower-case hex, no colons. */
    public static String formatSerial(BigInteger serial) {
        return serial.toString(16).toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return "TrustState(" + roots.size() + " roots, " + revocations.size() + " revocations)";
    }
}
