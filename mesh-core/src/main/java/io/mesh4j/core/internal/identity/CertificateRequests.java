package io.mesh4j.core.internal.identity;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECParameterSpec;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;

import io.mesh4j.core.identity.SpiffeId;

/**
 * PKCS#10 certificate signing requests that ask for a SPIFFE ID: made by workloads, checked by the registry.
 */
public final class CertificateRequests {

    /**
     * The keys the registry certifies, in words, for every refusal: what the mesh makes (P-256) and what other
     * SPIFFE clients and operators' PKIs commonly make. Nothing larger, because checking a CSR's signature costs
     * the registry time that grows with the key (an RSA key of 16,384 bits costs a hundred times one of 2,048),
     * and the CSR endpoint is open to anyone who can reach it.
     */
    public static final String ALLOWED_KEYS = "ECDSA P-256 or P-384, or RSA of 2048 to 4096 bits";

    private static final int MIN_RSA_BITS = 2048;
    private static final int MAX_RSA_BITS = 4096;

    /** pkcs-9-at-extensionRequest (RFC 2985): the attribute that carries the extensions a request asks for. */
    private static final String EXTENSION_REQUEST_OID = "1.2.840.113549.1.9.14";

    /** id-ce-subjectAltName (RFC 5280). */
    private static final String SUBJECT_ALT_NAME_OID = "2.5.29.17";

    /** id-at-commonName (X.520). */
    private static final String COMMON_NAME_OID = "2.5.4.3";

    /** ecdsa-with-SHA256 (RFC 5758), which has no parameters. */
    private static final String ECDSA_WITH_SHA256_OID = "1.2.840.10045.4.3.2";

    /** A GeneralName's uniformResourceIdentifier: context tag 6, implicit, over an IA5String. */
    private static final int URI_NAME_TAG = 0x86;

    /** The attributes of a CertificationRequestInfo: context tag 0, implicit, over a SET OF. */
    private static final int ATTRIBUTES_TAG = 0xA0;

    /**
     * A CSR (PKCS#10, RFC 2986) for {@code id}, signed with {@code keyPair} (an EC key, as {@link KeyPairs} makes),
     * carrying the ID as its only URI SAN, in a critical subjectAltName extension, and its path as its common name.
     * Encoded with the JDK alone ({@link Der}): a workload makes one at every start and renewal.
     */
    public static String create(KeyPair keyPair, SpiffeId id) {
        final byte[] subjectAltName =
                Der.sequence(Der.tagged(URI_NAME_TAG, id.toString().getBytes(StandardCharsets.US_ASCII)));
        final byte[] extensions = Der.sequence(
                Der.sequence(Der.oid(SUBJECT_ALT_NAME_OID), Der.bool(true), Der.octetString(subjectAltName)));
        final byte[] info = Der.sequence(
                Der.smallInteger(0),
                Der.sequence(Der.set(Der.sequence(Der.oid(COMMON_NAME_OID), Der.utf8String(id.path())))),
                keyPair.getPublic().getEncoded(),
                Der.tagged(ATTRIBUTES_TAG, Der.sequence(Der.oid(EXTENSION_REQUEST_OID), Der.set(extensions))));
        final byte[] signature;
        try {
            final Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(keyPair.getPrivate());
            signer.update(info);
            signature = signer.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make a certificate request for " + id, e);
        }
        final byte[] csr = Der.sequence(info, Der.sequence(Der.oid(ECDSA_WITH_SHA256_OID)), Der.bitString(signature));
        final StringBuilder pem = new StringBuilder();
        Pem.block(pem, "CERTIFICATE REQUEST", csr);
        return pem.toString();
    }

    /**
     * Reads and checks a CSR: the key is one of {@link #ALLOWED_KEYS} (checked before the signature, whose cost
     * grows with the key), the signature holds (whoever sent it has the private key), and it asks for exactly one
     * URI, a SPIFFE ID.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static CheckedRequest check(String pem) {
        final PKCS10CertificationRequest csr = Pem.readCsr(pem);
        final PublicKey key;
        try {
            key = Pem.jdkPublicKey(csr.getSubjectPublicKeyInfo());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "the certificate request's public key cannot be read: " + e.getMessage(), e);
        }
        checkKey(key);
        try {
            if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
                throw new IllegalArgumentException("the certificate request's signature does not match its key");
            }
        } catch (OperatorCreationException | PKCSException e) {
            throw new IllegalArgumentException(
                    "the certificate request's signature cannot be checked: " + e.getMessage(), e);
        }
        return new CheckedRequest(key, requestedId(csr));
    }

    private static void checkKey(PublicKey key) {
        if (key instanceof ECPublicKey) {
            final ECParameterSpec params = ((ECPublicKey) key).getParams();
            if (!Curve.isAllowed(params)) {
                throw new IllegalArgumentException("the certificate request's key is on a "
                        + params.getCurve().getField().getFieldSize()
                        + "-bit curve that is not P-256 or P-384 (expected: " + ALLOWED_KEYS + ')');
            }
            return;
        }
        if (key instanceof RSAPublicKey) {
            final int bits = ((RSAPublicKey) key).getModulus().bitLength();
            if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
                throw new IllegalArgumentException(
                        "the certificate request's RSA key has " + bits + " bits (expected: " + ALLOWED_KEYS + ')');
            }
            return;
        }
        throw new IllegalArgumentException(
                "the certificate request's key is " + key.getAlgorithm() + " (expected: " + ALLOWED_KEYS + ')');
    }

    private static SpiffeId requestedId(PKCS10CertificationRequest csr) {
        final List<String> uris = new ArrayList<>();
        for (Attribute attribute : csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
            final Extensions extensions =
                    Extensions.getInstance(attribute.getAttrValues().getObjectAt(0));
            final GeneralNames names = GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName);
            if (names == null) {
                continue;
            }
            for (GeneralName name : names.getNames()) {
                if (name.getTagNo() == GeneralName.uniformResourceIdentifier) {
                    uris.add(name.getName().toString());
                }
            }
        }
        if (uris.size() != 1) {
            throw new IllegalArgumentException("the certificate request asks for " + uris.size() + " URIs "
                    + uris + " (expected: exactly one, the SPIFFE ID "
                    + "spiffe://<trust domain>/svc/<service>)");
        }
        return SpiffeId.parse(uris.get(0));
    }

    /**
     * A CSR that passed {@link #check(String)}: the key to certify and the identity it asks for.
     */
    public record CheckedRequest(PublicKey publicKey, SpiffeId requestedId) {}

    /** The allowed curves, told apart from other curves of their size by the order of their base point. */
    private static final class Curve {
        static final BigInteger P256_ORDER =
                new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);
        static final BigInteger P384_ORDER = new BigInteger(
                "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973", 16);

        static boolean isAllowed(ECParameterSpec params) {
            final int bits = params.getCurve().getField().getFieldSize();
            return (bits == 256 && params.getOrder().equals(P256_ORDER))
                    || (bits == 384 && params.getOrder().equals(P384_ORDER));
        }
    }

    private CertificateRequests() {}
}
