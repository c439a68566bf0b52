package io.mesh4j.registry.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mesh4j.core.internal.identity.Pem;
import io.mesh4j.registry.internal.ca.CertificateAuthority;
import io.mesh4j.registry.internal.ca.Fingerprints;
import picocli.CommandLine;

/**
 * {@code meshctl ca new-root} and {@code meshctl ca install}, the steps of a rotation of registry replicas that work
 * on files: real files, a real CA directory, and every refusal one line with its exit code and nothing written.
 */
class CaFilesTest {

    @TempDir
    Path roots;

    @TempDir
    Path dataDir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void aReplicasCa() throws Exception {
        CertificateAuthority.open(dataDir.resolve("ca"), "mesh.local", Duration.ofHours(1), Clock.systemUTC(), null);
    }

    private int meshctl(String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        final CommandLine meshctl = MeshCtl.commandLine(Map.of());
        meshctl.setOut(new PrintWriter(out, true));
        meshctl.setErr(new PrintWriter(err, true));
        return meshctl.execute(args);
    }

    private int newRoot(String trustDomain, String name) {
        return meshctl("ca", "new-root", "--trust-domain", trustDomain, "--out", roots.toString(), "--name", name);
    }

    private int install(String cert, String key) {
        return meshctl(
                "ca",
                "install",
                "--data-dir",
                dataDir.toString(),
                "--cert",
                roots.resolve(cert).toString(),
                "--key",
                roots.resolve(key).toString());
    }

    @Test
    void aNewRootIsInstalledOnceWithItsKeyOwnerOnly() throws Exception {
        assertThat(newRoot("mesh.local", "root-2")).isZero();
        final X509Certificate root = Pem.readCertificates(
                        Files.readString(roots.resolve("root-2.crt"), StandardCharsets.US_ASCII))
                .get(0);
        assertThat(root.getSubjectX500Principal().getName()).isEqualTo("CN=root-2,OU=mesh.local,O=mesh4j");
        assertThat(root.getBasicConstraints()).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(roots.resolve("root-2.key"))))
                .isEqualTo("rw-------");
        assertThat(out.toString()).contains("made root root-2 of mesh.local (sha256 " + Fingerprints.sha256(root));

        assertThat(install("root-2.crt", "root-2.key")).isZero();
        assertThat(out.toString()).startsWith("installed CN=root-2").contains("meshctl ca rotate --cert");
        final String hex = Fingerprints.sha256(root).replace(":", "").toLowerCase(java.util.Locale.ROOT);
        final Path installed = dataDir.resolve("ca/installed");
        assertThat(installed.resolve(hex + ".crt")).exists();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(installed.resolve(hex + ".key"))))
                .isEqualTo("rw-------");
        assertThat(install("root-2.crt", "root-2.key")).isZero();
        assertThat(out.toString()).startsWith("already installed: CN=root-2");
    }

    @Test
    void badInputIsOneLineAndWritesNothing() throws Exception {
        assertThat(newRoot("mesh.local", "root-2")).isZero();
        assertThat(newRoot("mesh.local", "root-2")).isEqualTo(1);
        assertThat(err.toString().strip())
                .endsWith("root-2.crt exists already; nothing was written (choose another --name or --out)");
        assertThat(newRoot("Not A Domain!", "root-3")).isEqualTo(2);
        assertThat(err.toString()).startsWith("meshctl: --trust-domain: ");
        assertThat(newRoot("other.local", "other")).isZero();
        assertThat(newRoot("mesh.local", "root-3")).isZero();

        // Another trust domain's root; a key that is not the certificate's; a data directory without a CA.
        assertThat(install("other.crt", "other.key")).isEqualTo(1);
        assertThat(err.toString().strip())
                .contains("is a root of trust domain other.local, not of mesh.local")
                .endsWith("nothing was installed")
                .doesNotContain("\n");
        assertThat(install("root-2.crt", "root-3.key")).isEqualTo(1);
        assertThat(err.toString().strip()).contains("is not the key of --cert").endsWith("nothing was installed");
        assertThat(install("root-2.crt", "missing.key")).isEqualTo(1);
        assertThat(err.toString().strip()).contains("missing.key: no such file");
        assertThat(meshctl(
                        "ca",
                        "install",
                        "--data-dir",
                        roots.toString(),
                        "--cert",
                        roots.resolve("root-2.crt").toString(),
                        "--key",
                        roots.resolve("root-2.key").toString()))
                .isEqualTo(1);
        assertThat(err.toString()).contains("holds no CA");
        assertThat(dataDir.resolve("ca/installed")).doesNotExist();
    }
}
