package io.mesh4j.core.internal.identity;

import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;

import com.linecorp.armeria.common.TlsKeyPair;

/**
 * A self-signed certificate that names nobody, for the one handshake Armeria runs in memory when it builds a TLS
 * server ({@code ServerSslContextUtil.validateSslContext}: its own client engine, which verifies nothing, against
 * the server's context). That check needs a certificate to present, and a mesh server is built while its first
 * certificate is still on its way from the registry; the stand-in passes the check and is never presented to a peer,
 * for the listener binds only once the real certificate is in (see {@link CurrentKeyManager#building}).
 *
 * <p>Made with the JDK alone ({@link Der}), on a P-256 key of its own: the key is not the one the workload asks the
 * registry to certify, and nothing the mesh trusts issued the certificate, so a peer that were shown it would refuse
 * it. Not API.
 */
final class StandInCertificate {

    /** id-at-commonName (X.520). */
    private static final String COMMON_NAME_OID = "2.5.4.3";

    /** ecdsa-with-SHA256 (RFC 5758), which has no parameters. */
    private static final String ECDSA_WITH_SHA256_OID = "1.2.840.10045.4.3.2";

    /** An explicit context tag 0: the version of a TBSCertificate. */
    private static final int VERSION_TAG = 0xA0;

    /** X.509 v3 is version 2 on the wire. */
    private static final int V3 = 2;

    static TlsKeyPair make() {
        final KeyPair key = KeyPairs.newP256();
        final byte[] name = Der.sequence(Der.set(
                Der.sequence(Der.oid(COMMON_NAME_OID), Der.utf8String("mesh4j stand-in, never presented to a peer"))));
        final Instant now = Instant.now();
        final byte[] algorithm = Der.sequence(Der.oid(ECDSA_WITH_SHA256_OID));
        final byte[] toBeSigned = Der.sequence(
                Der.tagged(VERSION_TAG, Der.smallInteger(V3)),
                Der.smallInteger(1),
                algorithm,
                name,
                Der.sequence(Der.utcTime(now.minus(Duration.ofMinutes(1))), Der.utcTime(now.plus(Duration.ofDays(1)))),
                name,
                key.getPublic().getEncoded());
        try {
            final Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(key.getPrivate());
            signer.update(toBeSigned);
            final byte[] certificate = Der.sequence(toBeSigned, algorithm, Der.bitString(signer.sign()));
            final X509Certificate parsed = (X509Certificate)
                    CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(certificate));
            return TlsKeyPair.of(key.getPrivate(), parsed);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make the stand-in certificate of a TLS server's check", e);
        }
    }

    private StandInCertificate() {}
}
