package io.mesh4j.core.internal.identity;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * PEM, the text form in which certificates, keys and CSRs travel in the registry's JSON and sit in files.
 */
public final class Pem {

    /**
     * Writes certificates, a private key (as PKCS#8) or a CSR as PEM.
     */
    public static String write(Object... objects) {
        final StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            for (Object object : objects) {
                if (object instanceof List<?>) {
                    for (Object element : (List<?>) object) {
                        writer.writeObject(element);
                    }
                } else if (object instanceof PrivateKey) {
                    writer.writeObject(
                            new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator((PrivateKey) object, null));
                } else {
                    writer.writeObject(object);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /**
     * Reads every certificate in {@code pem}.
     *
     * @throws IllegalArgumentException if it holds none, or something that is not a certificate
     */
    public static List<X509Certificate> readCertificates(String pem) {
        final List<X509Certificate> certificates = new ArrayList<>();
        try {
            final CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Object object : readAll(pem)) {
                if (!(object instanceof org.bouncycastle.cert.X509CertificateHolder)) {
                    throw new IllegalArgumentException("expected only certificates, found " + describe(object));
                }
                final byte[] der = ((org.bouncycastle.cert.X509CertificateHolder) object).getEncoded();
                certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
            }
        } catch (IOException | CertificateException e) {
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
            objects = readAll(pem);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a PEM private key: " + e.getMessage(), e);
        }
        if (objects.size() != 1) {
            throw new IllegalArgumentException("expected one private key, found " + objects.size() + " PEM objects");
        }
        final Object object = objects.get(0);
        try {
            final JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (object instanceof PrivateKeyInfo) {
                return converter.getPrivateKey((PrivateKeyInfo) object);
            }
            if (object instanceof PEMKeyPair) {
                return converter.getKeyPair((PEMKeyPair) object).getPrivate();
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the private key: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("expected a private key, found " + describe(object));
    }

    /**
     * Reads one PKCS#10 certificate signing request.
     *
     * @throws IllegalArgumentException if {@code pem} is not exactly one CSR
     */
    public static PKCS10CertificationRequest readCsr(String pem) {
        final List<Object> objects;
        try {
            objects = readAll(pem);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a PEM certificate request: " + e.getMessage(), e);
        }
        if (objects.size() != 1 || !(objects.get(0) instanceof PKCS10CertificationRequest)) {
            throw new IllegalArgumentException("expected one certificate request (-----BEGIN CERTIFICATE REQUEST-----)"
                    + ", found " + (objects.isEmpty() ? "nothing" : describe(objects.get(0))));
        }
        return (PKCS10CertificationRequest) objects.get(0);
    }

    private static List<Object> readAll(String pem) throws IOException {
        final List<Object> objects = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
                objects.add(object);
            }
        }
        return objects;
    }

    private static String describe(Object object) {
        return object.getClass().getSimpleName();
    }

    /** The bytes of {@code pem}, for files. */
    public static byte[] bytes(String pem) {
        return pem.getBytes(StandardCharsets.US_ASCII);
    }

    private Pem() {}
}
