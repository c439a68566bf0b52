package io.mesh4j.registry.internal.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;

import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.core.internal.identity.Pem;
import io.mesh4j.registry.internal.ca.CaException;
import io.mesh4j.registry.internal.ca.CertificateAuthority;
import io.mesh4j.registry.internal.ca.Fingerprints;
import io.mesh4j.registry.internal.ca.InstalledRoots;
import io.mesh4j.registry.internal.ca.OperatorRoot;
import io.mesh4j.registry.internal.ca.OwnerOnlyFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The two steps of a CA rotation of registry replicas that work on files, not on a registry: making the new root
 * ({@code meshctl ca new-root}) and giving it to one replica ({@code meshctl ca install}, on that replica's machine).
 * The third, {@code meshctl ca rotate --cert}, goes through any replica.
 */
final class CaFiles {

    @Command(
            name = "new-root",
            mixinStandardHelpOptions = true,
            description = "Makes a new root for a CA rotation of registry replicas, as the registry makes its own "
                    + "(ECDSA P-256, name-constrained to the trust domain): DIR/NAME.crt and DIR/NAME.key "
                    + "(owner-only). Needs no registry. Then: meshctl ca install on every replica, and meshctl ca "
                    + "rotate --cert DIR/NAME.crt.")
    static final class NewRoot implements Callable<Integer> {

        @Mixin
        Output output = new Output();

        @Spec
        CommandSpec spec;

        @Option(names = "--trust-domain", required = true, paramLabel = "DOMAIN", description = "The mesh's.")
        String trustDomain = "";

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write the files.")
        Path out = Path.of(".");

        @Option(
                names = "--name",
                paramLabel = "NAME",
                description = "The root's name (its CN) and the files' names. Default: root-<UTC date and time>.")
        String name = "";

        @Override
        public Integer call() throws IOException {
            try {
                SpiffeId.checkTrustDomain(trustDomain);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--trust-domain: " + e.getMessage());
            }
            final Instant now = Instant.now();
            final String rootName = name.isEmpty()
                    ? "root-"
                            + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                                    .withZone(ZoneOffset.UTC)
                                    .format(now)
                    : name;
            if (!rootName.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
                throw new ParameterException(
                        spec.commandLine(), "--name: '" + rootName + "' (expected: letters, digits, '.', '_', '-')");
            }
            final Path crt = out.resolve(rootName + ".crt");
            final Path key = out.resolve(rootName + ".key");
            for (Path file : List.of(crt, key)) {
                if (Files.exists(file)) {
                    throw new MeshCtl.Failure(
                            file + " exists already; nothing was written (choose another --name or " + "--out)");
                }
            }
            Files.createDirectories(out);
            final OperatorRoot root = CertificateAuthority.newOperatorRoot(trustDomain, rootName, now);
            OwnerOnlyFiles.write(key, Pem.bytes(Pem.write(root.key())));
            OwnerOnlyFiles.write(crt, Pem.bytes(Pem.write(List.of(root.certificate()))));
            OwnerOnlyFiles.makePublic(crt);
            final String fingerprint = Fingerprints.sha256(root.certificate());
            final PrintWriter printer = spec.commandLine().getOut();
            output.print(
                    printer,
                    "made root " + rootName + " of " + trustDomain + " (sha256 " + fingerprint + "): " + crt + ", "
                            + key + " (owner-only; copy it to each replica's machine only, and delete it once "
                            + "installed everywhere)",
                    Output.object()
                            .put("name", rootName)
                            .put("trustDomain", trustDomain)
                            .put("sha256", fingerprint)
                            .put("certificate", crt.toString())
                            .put("key", key.toString()));
            printer.flush();
            return 0;
        }
    }

    @Command(
            name = "install",
            mixinStandardHelpOptions = true,
            description = "Gives a new root and its key to one registry replica, ahead of a rotation: checks that "
                    + "the key is the certificate's and the root is of the replica's trust domain, and writes both, "
                    + "owner-only, in DIR/ca/installed. A running replica finds them within a second and says so in "
                    + "etcd; nothing changes for the mesh until meshctl ca rotate --cert. Needs no registry: run it "
                    + "on the replica's machine, as the registry's user.")
    static final class Install implements Callable<Integer> {

        @Mixin
        Output output = new Output();

        @Spec
        CommandSpec spec;

        @Option(
                names = "--data-dir",
                required = true,
                paramLabel = "DIR",
                description = "The replica's data directory.")
        Path dataDir = Path.of(".");

        @Option(names = "--cert", required = true, paramLabel = "FILE", description = "The new root's certificate.")
        Path cert = Path.of(".");

        @Option(names = "--key", required = true, paramLabel = "FILE", description = "Its private key.")
        Path key = Path.of(".");

        @Override
        public Integer call() throws IOException {
            final Path caDir = dataDir.resolve("ca");
            final OperatorRoot root;
            final String trustDomain;
            try {
                trustDomain = CertificateAuthority.trustDomainOf(caDir);
                root = OperatorRoot.read(cert, key, "--cert", "--key");
                InstalledRoots.check(root.certificate(), trustDomain, Instant.now());
            } catch (CaException | IllegalArgumentException e) {
                throw new MeshCtl.Failure(e.getMessage() + "; nothing was installed");
            } catch (NoSuchFileException e) {
                throw new MeshCtl.Failure(e.getFile() + ": no such file; nothing was installed");
            }
            final boolean written = InstalledRoots.install(caDir, root);
            final String fingerprint = Fingerprints.sha256(root.certificate());
            final PrintWriter printer = spec.commandLine().getOut();
            output.print(
                    printer,
                    (written ? "installed " : "already installed: ")
                            + root.certificate().getSubjectX500Principal().getName() + " (sha256 " + fingerprint
                            + ") in " + caDir.resolve("installed") + "; a running replica finds it within a second. "
                            + "Once it is installed on every replica: meshctl ca rotate --cert " + cert,
                    Output.object()
                            .put("installed", written)
                            .put("sha256", fingerprint)
                            .put("trustDomain", trustDomain)
                            .put("dir", caDir.resolve("installed").toString()));
            printer.flush();
            return 0;
        }
    }

    private CaFiles() {}
}
