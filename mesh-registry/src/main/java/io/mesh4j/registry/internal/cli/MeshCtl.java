package io.mesh4j.registry.internal.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.client.ClientFactory;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.identity.Pem;
import io.mesh4j.core.internal.identity.RegistryTrust;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.RegistryException;
import io.mesh4j.core.internal.registry.ServiceSummary;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meshctl}: the operator's command line against a running registry, with the registry's admin token.
 */
@Command(
        name = "meshctl",
        mixinStandardHelpOptions = true,
        description =
                "Operates a mesh4j registry: join tokens, the CA, certificates, services, routes, access policies, the "
                        + "audit log; shows the mesh: golden metrics (stat, edges, top), a live tap of requests and a pre-flight check.",
        subcommands = {
            MeshCtl.Token.class,
            MeshCtl.Ca.class,
            Certs.class,
            MeshCtl.Bundle.class,
            MeshCtl.Services.class,
            Routes.class,
            Policies.class,
            Audit.class,
            Stat.class,
            Edges.class,
            Top.class,
            Tap.class,
            Check.class,
            Explain.class,
            Quotas.class,
            Completion.class
        })
public final class MeshCtl {

    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;

    public static void main(String[] args) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.exit(commandLine().execute(args));
    }

    /** meshctl as it runs: flags first, then the environment, then the config file (see {@link MeshCtlDefaults}). */
    public static CommandLine commandLine() {
        return commandLine(System.getenv());
    }

    /** meshctl with {@code env} as its environment. */
    public static CommandLine commandLine(java.util.Map<String, String> env) {
        final CommandLine commandLine = new CommandLine(new MeshCtl());
        commandLine.setDefaultValueProvider(new MeshCtlDefaults(env));
        commandLine.setParameterExceptionHandler((e, args) -> {
            e.getCommandLine().getErr().println("meshctl: " + e.getMessage() + " (see --help)");
            e.getCommandLine().getErr().flush();
            return EXIT_USAGE;
        });
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            final Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            final Object command = cmd.getCommand();
            final String connection = command instanceof AdminCommand admin ? admin.connection.describe(cause) : "";
            cmd.getErr()
                    .println("meshctl: "
                            + (cause instanceof RegistryException || cause instanceof Failure
                                    ? cause.getMessage()
                                    : !connection.isEmpty() ? connection : cause.toString()));
            cmd.getErr().flush();
            return EXIT_FAILED;
        });
        return commandLine;
    }

    /**
     * A command that could not do its work, for a reason its message gives in full (what is in the way, what to do):
     * printed as it is, and exit code 1.
     */
    static final class Failure extends RuntimeException {

        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message);
        }
    }

    /** Where the registry is and how to prove the operator's rights to it. */
    static final class Connection {

        @Option(
                names = "--registry",
                paramLabel = "URL[,URL...]",
                split = ",",
                defaultValue = "https://127.0.0.1:7070",
                description = "The registry, or its replicas separated by commas (tried in turn until one answers); "
                        + "else $MESHCTL_REGISTRY, else registry= in $MESHCTL_CONFIG or "
                        + "~/.config/mesh4j/meshctl.properties. Default: ${DEFAULT-VALUE}.")
        List<URI> registries = List.of(URI.create("https://127.0.0.1:7070"));

        @Option(
                names = "--data-dir",
                paramLabel = "DIR",
                description = "The registry's data directory, to read its admin.token and trust-bundle.pem from "
                        + "(when meshctl runs where the registry does).")
        @Nullable
        Path dataDir;

        @Option(names = "--admin-token-file", paramLabel = "FILE", description = "The registry's admin token.")
        @Nullable
        Path adminTokenFile;

        @Option(
                names = "--trust-bundle",
                paramLabel = "FILE",
                description = "The registry's roots, to verify it by (trust-bundle.pem).")
        @Nullable
        Path trustBundle;

        /** What a failure to reach the registry means, in one line: of several replicas, the last one tried. */
        String describe(Throwable cause) {
            final URI last = registries.get(registries.size() - 1);
            return registries.size() == 1
                    ? ConnectionErrors.describe(last, cause)
                    : "none of the registries " + registries + " answered; the last one: "
                            + ConnectionErrors.describe(last, cause);
        }

        RegistryTrust.AdminClient open() throws Exception {
            final List<URI> registries;
            try {
                registries = RegistryClient.checkUris(this.registries);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--registry: " + e.getMessage());
            }
            final long plaintext = registries.stream()
                    .filter(uri -> "http".equals(uri.getScheme()))
                    .count();
            if (plaintext > 0 && plaintext < registries.size()) {
                throw new CommandLine.ParameterException(
                        new CommandLine(this),
                        "--registry: " + registries + " mixes http:// and https:// (expected: every replica alike)");
            }
            if (plaintext > 0) {
                // A plaintext registry: nothing to prove, nothing to verify; the default factory is shared, and
                // closing it is a no-op.
                return new RegistryTrust.AdminClient(
                        RegistryClient.of(registries, ClientFactory.ofDefault()), ClientFactory.ofDefault());
            }
            final Path token =
                    adminTokenFile != null ? adminTokenFile : dataDir != null ? dataDir.resolve("admin.token") : null;
            final Path bundle =
                    trustBundle != null ? trustBundle : dataDir != null ? dataDir.resolve("trust-bundle.pem") : null;
            if (token == null || bundle == null) {
                throw new CommandLine.ParameterException(
                        new CommandLine(this),
                        "give --data-dir DIR (the registry's), or --admin-token-file and --trust-bundle");
            }
            return RegistryTrust.admin(
                    registries,
                    Files.readString(token, StandardCharsets.US_ASCII),
                    Files.readString(bundle, StandardCharsets.US_ASCII));
        }
    }

    @Command(
            name = "token",
            description = "Join tokens (what a new workload gets its first certificate with) and viewer tokens "
                    + "(read-only, for the dashboard and the golden metrics).",
            subcommands = {Token.Create.class, Token.ListTokens.class, Token.Revoke.class})
    static final class Token {

        @Command(
                name = "create",
                mixinStandardHelpOptions = true,
                description = "Makes a join token for one service (--service), or a read-only viewer token "
                        + "(--viewer), and prints it (only it, on stdout; with --output json, the token's JSON).")
        static final class Create extends AdminCommand {
            @Option(names = "--service", description = "The service the join token is for.")
            @Nullable
            String service;

            @Option(
                    names = "--viewer",
                    description = "Makes a viewer token instead: it opens the dashboard and the golden metrics "
                            + "(read-only) until --ttl, and nothing else.")
            boolean viewer;

            @Option(
                    names = "--name",
                    defaultValue = "viewer",
                    description = "With --viewer: who or what the token is for, as token list shows it. "
                            + "Default: ${DEFAULT-VALUE}.")
            String tokenName = "viewer";

            @Option(
                    names = "--ttl",
                    defaultValue = "24h",
                    converter = DurationConverter.class,
                    description = "How long the token may be used. Default: ${DEFAULT-VALUE}.")
            Duration ttl = Duration.ofHours(24);

            @Option(
                    names = "--uses",
                    defaultValue = "1",
                    description = "How many certificates a join token may get (one per workload). "
                            + "Default: ${DEFAULT-VALUE}.")
            int uses;

            @Option(
                    names = {"-o", "--output"},
                    defaultValue = "table",
                    description = "table (the token alone) or json. Default: ${DEFAULT-VALUE}.")
            OutputFormat output = OutputFormat.table;

            @Option(
                    names = "--dry-run",
                    description = "Checks the arguments and the admin token, and prints the token that would be "
                            + "made; makes none.")
            boolean dryRun;

            private @Nullable ServiceName name;

            @Override
            void checkArguments() {
                if (viewer == (service != null)) {
                    throw badArgument(
                            "give --service SERVICE (a join token) or --viewer (a viewer token), one of them");
                }
                if (service != null) {
                    try {
                        name = ServiceName.of(service);
                    } catch (IllegalArgumentException e) {
                        throw badArgument("--service: " + e.getMessage());
                    }
                }
            }

            @Override
            void run(RegistryClient registry, PrintWriter out) throws Exception {
                final @Nullable ServiceName name = this.name;
                if (dryRun) {
                    dryRun(registry, out, name);
                    return;
                }
                if (name == null) {
                    final IdentityJson.ViewerTokenInfo token = registry.createViewerToken(
                                    new IdentityJson.ViewerTokenRequest(tokenName, ttl))
                            .join();
                    out.println(
                            output == OutputFormat.json
                                    ? new String(IdentityJson.writeViewerToken(token), StandardCharsets.UTF_8)
                                    : token.token());
                    spec.commandLine()
                            .getErr()
                            .println("viewer token " + token.id() + " (" + token.name() + "): read-only, until "
                                    + token.expiresAt());
                    return;
                }
                final IdentityJson.TokenInfo token = registry.createToken(
                                new IdentityJson.TokenRequest(name, ttl, uses))
                        .join();
                out.println(
                        output == OutputFormat.json
                                ? new String(IdentityJson.writeToken(token), StandardCharsets.UTF_8)
                                : token.token());
                spec.commandLine()
                        .getErr()
                        .println("join token " + token.id() + " for " + name + ": " + uses + " use(s), until "
                                + token.expiresAt());
            }

            /**
             * Lists the tokens of the kind it would make (an admin-only read, so a wrong admin token fails here as
             * the write would) and says what the write would make.
             */
            private void dryRun(RegistryClient registry, PrintWriter out, @Nullable ServiceName name) {
                final Instant until = Instant.now().plus(ttl);
                final ObjectNode json =
                        Output.object().put("dryRun", true).put("kind", name == null ? "viewer" : "join");
                final String line;
                if (name == null) {
                    final int existing = registry.viewerTokens().join().size();
                    json.put("name", tokenName);
                    line = "dry run: would make a viewer token for " + tokenName + ", read-only, until about " + until
                            + " (" + existing + " viewer token(s) now); nothing was made";
                } else {
                    final int existing = registry.tokens().join().size();
                    json.put("service", name.value()).put("uses", uses);
                    line = "dry run: would make a join token for " + name + ", " + uses + " use(s), until about "
                            + until + " (" + existing + " join token(s) now); nothing was made";
                }
                json.put("expiresAt", until.toString());
                final Output printer = new Output();
                printer.format = output;
                printer.print(out, line, json);
            }
        }

        @Command(
                name = "list",
                mixinStandardHelpOptions = true,
                description = "Lists the join tokens, or with --viewer the viewer tokens; never their secrets.")
        static final class ListTokens extends AdminCommand {
            @Option(names = "--viewer", description = "Lists the viewer tokens instead.")
            boolean viewer;

            @Option(
                    names = {"-o", "--output"},
                    defaultValue = "table",
                    description = "table or json. Default: ${DEFAULT-VALUE}.")
            OutputFormat output = OutputFormat.table;

            @Override
            void run(RegistryClient registry, PrintWriter out) {
                if (viewer) {
                    final List<IdentityJson.ViewerTokenInfo> tokens =
                            registry.viewerTokens().join();
                    if (output == OutputFormat.json) {
                        out.println(new String(IdentityJson.writeViewerTokens(tokens), StandardCharsets.UTF_8));
                        return;
                    }
                    out.printf("%-14s %-20s %-8s %-8s %s%n", "ID", "NAME", "EXPIRED", "REVOKED", "EXPIRES");
                    for (IdentityJson.ViewerTokenInfo token : tokens) {
                        out.printf(
                                "%-14s %-20s %-8s %-8s %s%n",
                                token.id(),
                                token.name(),
                                token.expired() ? "yes" : "no",
                                token.revoked() ? "yes" : "no",
                                token.expiresAt());
                    }
                    return;
                }
                final List<IdentityJson.TokenInfo> tokens = registry.tokens().join();
                if (output == OutputFormat.json) {
                    out.println(new String(IdentityJson.writeTokens(tokens), StandardCharsets.UTF_8));
                    return;
                }
                out.printf("%-14s %-20s %-10s %-8s %s%n", "ID", "SERVICE", "USES LEFT", "REVOKED", "EXPIRES");
                for (IdentityJson.TokenInfo token : tokens) {
                    out.printf(
                            "%-14s %-20s %-10d %-8s %s%n",
                            token.id(),
                            token.service(),
                            token.usesLeft(),
                            token.revoked() ? "yes" : "no",
                            token.expiresAt());
                }
            }
        }

        @Command(
                name = "revoke",
                mixinStandardHelpOptions = true,
                description = "Revokes a join token, or with --viewer a viewer token.")
        static final class Revoke extends AdminCommand {
            @Parameters(paramLabel = "ID", description = "The token's id (as token list shows it).")
            String id = "";

            @Option(names = "--viewer", description = "ID is a viewer token's.")
            boolean viewer;

            @Mixin
            Output output = new Output();

            @Option(
                    names = "--dry-run",
                    description =
                            "Checks that the token exists and prints what revoking it would do; revokes " + "nothing.")
            boolean dryRun;

            @Override
            void run(RegistryClient registry, PrintWriter out) {
                if (dryRun) {
                    dryRun(registry, out);
                    return;
                }
                if (viewer) {
                    registry.revokeViewerToken(id).join();
                    output.print(
                            out,
                            "revoked viewer token " + id,
                            Output.object().put("revoked", id).put("kind", "viewer"));
                    return;
                }
                registry.revokeToken(id).join();
                output.print(
                        out, "revoked " + id, Output.object().put("revoked", id).put("kind", "join"));
            }

            /** Finds the token in the list (an admin-only read) and says what revoking it would change. */
            private void dryRun(RegistryClient registry, PrintWriter out) {
                final String kind = viewer ? "viewer" : "join";
                final String what;
                final boolean revoked;
                if (viewer) {
                    final IdentityJson.ViewerTokenInfo token = registry.viewerTokens().join().stream()
                            .filter(t -> t.id().equals(id))
                            .findFirst()
                            .orElseThrow(() -> new Failure("no viewer token " + id + " (meshctl token list --viewer)"));
                    what = "viewer token " + id + " (" + token.name() + ", until " + token.expiresAt() + ")";
                    revoked = token.revoked();
                } else {
                    final IdentityJson.TokenInfo token = registry.tokens().join().stream()
                            .filter(t -> t.id().equals(id))
                            .findFirst()
                            .orElseThrow(() -> new Failure("no join token " + id + " (meshctl token list)"));
                    what = "join token " + id + " (" + token.service() + ", " + token.usesLeft()
                            + " use(s) left, until " + token.expiresAt() + ")";
                    revoked = token.revoked();
                }
                output.print(
                        out,
                        "dry run: " + what + (revoked ? " is revoked already" : " would be refused from its next use")
                                + "; nothing was revoked",
                        Output.object()
                                .put("dryRun", true)
                                .put("id", id)
                                .put("kind", kind)
                                .put("revokedAlready", revoked));
            }
        }
    }

    @Command(
            name = "ca",
            description = "The certificate authority.",
            subcommands = {Ca.Rotate.class, CaFiles.NewRoot.class, CaFiles.Install.class})
    static final class Ca {

        @Command(
                name = "rotate",
                mixinStandardHelpOptions = true,
                description = "Starts a CA rotation: a new root is trusted now, signs one leaf lifetime later, "
                        + "and the old root retires one leaf lifetime after that. One registry makes the new root "
                        + "itself; registry replicas are given it with --cert, once it is installed on every "
                        + "replica (meshctl ca new-root, meshctl ca install), and refuse it (409, naming them) while "
                        + "a live replica lacks its key.")
        static final class Rotate extends AdminCommand {
            @Mixin
            Output output = new Output();

            @Option(
                    names = "--dry-run",
                    description = "Has the registry check the rotation (none under way) and say what it would do, "
                            + "with the roots in force now and after; rotates nothing.")
            boolean dryRun;

            @Option(
                    names = "--cert",
                    paramLabel = "FILE",
                    description = "Registry replicas: the new root's certificate (PEM), made with meshctl ca "
                            + "new-root and installed on every replica with meshctl ca install.")
            @Nullable
            Path cert;

            private @Nullable String certificatePem;

            @Override
            void checkArguments() throws Exception {
                final @Nullable Path file = cert;
                if (file != null) {
                    try {
                        certificatePem = Files.readString(file, StandardCharsets.US_ASCII);
                        if (Pem.readCertificates(certificatePem).size() != 1) {
                            throw badArgument("--cert " + file + ": expected one certificate, the new root");
                        }
                    } catch (java.io.IOException | IllegalArgumentException e) {
                        throw badArgument("--cert " + file + ": " + e.getMessage());
                    }
                }
            }

            @Override
            void run(RegistryClient registry, PrintWriter out) {
                if (dryRun) {
                    final IdentityJson.RotationInfo rotation =
                            registry.planCaRotation(certificatePem).join();
                    final List<String> now = rootNames(registry.trustBundle().join());
                    final List<String> after = new ArrayList<>(now);
                    after.add(rotation.newRoot());
                    final ObjectNode json = Output.object()
                            .put("dryRun", true)
                            .put("newRoot", rotation.newRoot())
                            .put("signsFrom", rotation.signsFrom().toString())
                            .put("oldRoot", rotation.oldRoot())
                            .put("oldRootRetiresAt", rotation.oldRootRetiresAt().toString());
                    now.forEach(json.putArray("rootsNow")::add);
                    after.forEach(json.putArray("rootsAfter")::add);
                    output.print(
                            out,
                            "dry run: roots now " + String.join(", ", now) + "; after: " + String.join(", ", after)
                                    + ". " + rotation.newRoot() + " would be trusted at once and sign from about "
                                    + rotation.signsFrom() + "; " + rotation.oldRoot() + " would retire at about "
                                    + rotation.oldRootRetiresAt() + ". Nothing was rotated",
                            json);
                    return;
                }
                final IdentityJson.RotationInfo rotation =
                        registry.rotateCa(certificatePem).join();
                output.print(
                        out,
                        rotation.newRoot() + " is trusted now and signs from " + rotation.signsFrom() + "; "
                                + rotation.oldRoot() + " retires at " + rotation.oldRootRetiresAt(),
                        Output.object()
                                .put("newRoot", rotation.newRoot())
                                .put("signsFrom", rotation.signsFrom().toString())
                                .put("oldRoot", rotation.oldRoot())
                                .put(
                                        "oldRootRetiresAt",
                                        rotation.oldRootRetiresAt().toString()));
            }

            /** The names (CN) of the roots in a trust bundle, as the CA names them: root-1, root-2, ... */
            private static List<String> rootNames(String pem) {
                final List<String> names = new ArrayList<>();
                for (X509Certificate root : Pem.readCertificates(pem)) {
                    final String subject = root.getSubjectX500Principal().getName();
                    try {
                        new LdapName(subject)
                                .getRdns().stream()
                                        .filter(rdn -> rdn.getType().equalsIgnoreCase("CN"))
                                        .findFirst()
                                        .ifPresentOrElse(
                                                rdn -> names.add(String.valueOf(rdn.getValue())),
                                                () -> names.add(subject));
                    } catch (InvalidNameException e) {
                        names.add(subject);
                    }
                }
                return names;
            }
        }
    }

    @Command(
            name = "bundle",
            mixinStandardHelpOptions = true,
            description = "Prints the trust bundle (PEM), for new workloads.")
    static final class Bundle extends AdminCommand {
        @Mixin
        Output output = new Output();

        @Override
        void run(RegistryClient registry, PrintWriter out) {
            final String bundle = registry.trustBundle().join();
            if (output.json()) {
                output.print(out, bundle, Output.object().put("trustBundle", bundle));
                return;
            }
            out.print(bundle);
        }
    }

    @Command(name = "services", mixinStandardHelpOptions = true, description = "Lists the services and instances.")
    static final class Services extends AdminCommand {
        @Mixin
        Output output = new Output();

        @Override
        void run(RegistryClient registry, PrintWriter out) {
            if (output.json()) {
                final com.fasterxml.jackson.databind.node.ObjectNode json = Output.object();
                final com.fasterxml.jackson.databind.node.ArrayNode services = json.putArray("services");
                for (ServiceSummary service : registry.services().join()) {
                    services.addObject()
                            .put("name", service.name().value())
                            .put("instances", service.instances())
                            .put("index", service.index());
                }
                output.print(out, "", json);
                return;
            }
            out.printf("%-30s %10s %10s%n", "SERVICE", "INSTANCES", "INDEX");
            for (ServiceSummary service : registry.services().join()) {
                out.printf("%-30s %10d %10d%n", service.name(), service.instances(), service.index());
            }
        }
    }

    private MeshCtl() {}
}
