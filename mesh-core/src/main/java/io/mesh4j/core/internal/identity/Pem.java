package io.mesh4j.core.internal.identity;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.NoSuchProviderException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * PEM, the text form in which certificates, keys and CSRs travel in the registry's JSON and sit in files.
 */
public final class Pem {

    /** id-ecPublicKey (RFC 5480): an EC key's algorithm in PKCS#8. */
    private static final String EC_KEY_OID = "1.2.840.10045.2.1";

    /** rsaEncryption (RFC 8017). */
    private static final String RSA_KEY_OID = "1.2.840.113549.1.1.1";

    /** What a certificate's PEM block is labelled; BouncyCastle and OpenSSL also read the older second form. */
    private static final List<String> CERTIFICATE_LABELS = List.of("CERTIFICATE", "X509 CERTIFICATE");

    private static final String BEGIN = "-----BEGIN ";
    private static final String DASHES = "-----";

    /**
     * Writes certificates, a private key (as PKCS#8) or a CSR as PEM. Certificates and keys, all that a workload
     * writes, are written with the JDK alone, so that a workload does not load BouncyCastle (some 200 classes) to
     * write its state.
     */
    public static String write(Object... objects) {
        final StringBuilder out = new StringBuilder();
        for (Object object : objects) {
            if (object instanceof List<?>) {
                for (Object element : (List<?>) object) {
                    writeOne(out, element);
                }
            } else {
                writeOne(out, object);
            }
        }
        return out.toString();
    }

    private static void writeOne(StringBuilder out, Object object) {
        if (object instanceof X509Certificate certificate) {
            try {
                block(out, "CERTIFICATE", certificate.getEncoded());
            } catch (CertificateEncodingException e) {
                throw new IllegalArgumentException("cannot encode " + certificate.getSubjectX500Principal(), e);
            }
        } else if (object instanceof PrivateKey key && "PKCS#8".equals(key.getFormat())) {
            block(out, "PRIVATE KEY", key.getEncoded());
        } else {
            out.append(BouncyCastlePem.write(object));
        }
    }

    /**
     * Appends one PEM block of {@code der}: the form OpenSSL and BouncyCastle write, 64 characters a line.
     */
    static void block(StringBuilder out, String label, byte[] der) {
        out.append(BEGIN).append(label).append(DASHES).append('\n');
        final String base64 = Base64.getEncoder().encodeToString(der);
        for (int i = 0; i < base64.length(); i += 64) {
            out.append(base64, i, Math.min(base64.length(), i + 64)).append('\n');
        }
        out.append("-----END ").append(label).append(DASHES).append('\n');
    }

    /**
     * Reads every certificate in {@code pem}, with the JDK alone (a workload reads its trust bundle and chain at
     * every start and renewal). Text outside the PEM blocks is ignored, as OpenSSL does.
     *
     * @throws IllegalArgumentException if it holds none, or something that is not a certificate
     */
    public static List<X509Certificate> readCertificates(String pem) {
        final List<X509Certificate> certificates = new ArrayList<>();
        try {
            final CertificateFactory factory = CertificateFactory.getInstance("X.509");
            int from = 0;
            for (int begin = pem.indexOf(BEGIN); begin >= 0; begin = pem.indexOf(BEGIN, from)) {
                final int labelEnd = pem.indexOf(DASHES, begin + BEGIN.length());
                if (labelEnd < 0) {
                    throw new IllegalArgumentException(
                            "not a PEM certificate: a BEGIN line without its closing " + DASHES);
                }
                final String label = pem.substring(begin + BEGIN.length(), labelEnd);
                if (!CERTIFICATE_LABELS.contains(label)) {
                    throw new IllegalArgumentException("expected only certificates, found " + BEGIN + label + DASHES);
                }
                final String endLine = "-----END " + label + DASHES;
                final int end = pem.indexOf(endLine, labelEnd + DASHES.length());
                if (end < 0) {
                    throw new IllegalArgumentException("not a PEM certificate: " + endLine + " not found");
                }
                final byte[] der;
                try {
                    der = Base64.getMimeDecoder().decode(pem.substring(labelEnd + DASHES.length(), end));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("not a PEM certificate: " + e.getMessage(), e);
                }
                certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
                from = end + endLine.length();
            }
        } catch (CertificateException e) {
            throw new IllegalArgumentException("not a PEM certificate: " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException(
                    "no certificate in the PEM text (expected: -----BEGIN CERTIFICATE-----)");
        }
        return certificates;
    }

    /**
     * Reads the private key in {@code pem}, PKCS#8 or the traditional EC/RSA form.
     */
    public static PrivateKey readPrivateKey(String pem) {
        final List<Object> objects;
        try {
            objects = BouncyCastlePem.readAll(pem);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a PEM private key: " + e.getMessage(), e);
        }
        if (objects.size() != 1) {
            throw new IllegalArgumentException("expected one private key, found " + objects.size() + " PEM objects");
        }
        final Object object = objects.get(0);
        if (object instanceof PrivateKeyInfo info) {
            return jdkPrivateKey(info);
        }
        if (object instanceof PEMKeyPair pair) {
            return jdkPrivateKey(pair.getPrivateKeyInfo());
        }
        throw new IllegalArgumentException("expected a private key, found " + describe(object));
    }

    /**
     * The key as the JDK's own providers make it. Not BouncyCastle's converter: it asks for an "ECDSA" key factory,
     * which only a BouncyCastle provider has, and Armeria installs its shaded one for a moment whenever it parses a
     * key. A key read in that moment belonged to the shaded provider, and once it was removed no installed provider
     * could sign with it ("No installed provider supports this key"): a race between a registry loading its CA key
     * and any TLS set-up in the same process.
     */
    private static PrivateKey jdkPrivateKey(PrivateKeyInfo info) {
        final String oid = info.getPrivateKeyAlgorithm().getAlgorithm().getId();
        try {
            return jdkKeyFactory(oid, "private key").generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the private key: " + e.getMessage(), e);
        }
    }

    /**
     * {@code info}'s key as the JDK's own providers make it, for the same reason as private keys: a certificate
     * request's signature is checked with it, and a key of Armeria's shaded provider could not be.
     *
     * @throws IllegalArgumentException if the key is not an EC or RSA key, or cannot be read
     */
    public static PublicKey jdkPublicKey(SubjectPublicKeyInfo info) {
        final String oid = info.getAlgorithm().getAlgorithm().getId();
        try {
            return jdkKeyFactory(oid, "public key").generatePublic(new X509EncodedKeySpec(info.getEncoded()));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the public key: " + e.getMessage(), e);
        }
    }

    private static KeyFactory jdkKeyFactory(String oid, String what) throws NoSuchAlgorithmException {
        final String algorithm;
        final String provider;
        if (EC_KEY_OID.equals(oid)) {
            algorithm = "EC";
            provider = "SunEC";
        } else if (RSA_KEY_OID.equals(oid)) {
            algorithm = "RSA";
            provider = "SunRsaSign";
        } else {
            throw new IllegalArgumentException(
                    "the " + what + "'s algorithm " + oid + " is not one the mesh uses (expected: an EC or RSA key)");
        }
        try {
            return KeyFactory.getInstance(algorithm, provider);
        } catch (NoSuchProviderException e) {
            // A JDK without the usual providers (a FIPS build): its own first choice.
            return KeyFactory.getInstance(algorithm);
        }
    }

    /**
     * Reads one PKCS#10 certificate signing request.
     *
     * @throws IllegalArgumentException if {@code pem} is not exactly one CSR
     */
    public static PKCS10CertificationRequest readCsr(String pem) {
        final List<Object> objects;
        try {
            objects = BouncyCastlePem.readAll(pem);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a PEM certificate request: " + e.getMessage(), e);
        }
        if (objects.size() != 1 || !(objects.get(0) instanceof PKCS10CertificationRequest)) {
            throw new IllegalArgumentException("expected one certificate request (-----BEGIN CERTIFICATE REQUEST-----)"
                    + ", found " + (objects.isEmpty() ? "nothing" : describe(objects.get(0))));
        }
        return (PKCS10CertificationRequest) objects.get(0);
    }

    private static String describe(Object object) {
        return object.getClass().getSimpleName();
    }

    /** The bytes of {@code pem}, for files. */
    public static byte[] bytes(String pem) {
        return pem.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * What only BouncyCastle reads or writes here (keys in their traditional form, CSRs), in a class of its own so
     * that a process that reads and writes only certificates and PKCS#8 keys never loads BouncyCastle's classes.
     */
    private static final class BouncyCastlePem {

        static String write(Object object) {
            final StringWriter out = new StringWriter();
            try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
                if (object instanceof PrivateKey) {
                    writer.writeObject(new JcaPKCS8Generator((PrivateKey) object, null));
                } else {
                    writer.writeObject(object);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toString();
        }

        static List<Object> readAll(String pem) throws IOException {
            final List<Object> objects = new ArrayList<>();
            try (PEMParser parser = new PEMParser(new StringReader(pem))) {
                for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
                    objects.add(object);
                }
            }
            return objects;
        }

        private BouncyCastlePem() {}
    }

    private Pem() {}
}
