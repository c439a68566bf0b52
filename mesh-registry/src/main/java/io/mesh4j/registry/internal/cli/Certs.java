package io.mesh4j.registry.internal.cli;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.core.internal.identity.TrustState;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.TrustJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meshctl cert revoke|revocations}: revokes workload certificates, and lists what is revoked.
 */
@Command(
        name = "cert",
        description = "Workload certificates: revoke them, list the revocations.",
        subcommands = {Certs.Revoke.class, Certs.Revocations.class})
final class Certs {

    @Command(
            name = "revoke",
            mixinStandardHelpOptions = true,
            description = {
                "Revokes a SPIFFE ID (every certificate of it issued up to now) or one certificate (its serial). "
                        + "Every member refuses it within seconds, on new and open connections, and the registry "
                        + "will not renew it: the workload comes back only with a new join token.",
                "  meshctl cert revoke spiffe://mesh.local/svc/orders",
                "  meshctl cert revoke 3f2a9c...   (openssl x509 -noout -serial -in CERT)"
            })
    static final class Revoke extends AdminCommand {
        @Mixin
        Output output = new Output();

        @Parameters(
                paramLabel = "SPIFFE-ID|SERIAL",
                description = "spiffe://<trust domain>/svc/<service>, or a serial in hex.")
        String target = "";

        @Option(
                names = "--dry-run",
                description = "Has the registry check the revocation (a certificate in force to revoke) and say what "
                        + "it would revoke; revokes nothing.")
        boolean dryRun;

        private TrustJson.@Nullable RevokeRequest request;

        @Override
        void checkArguments() {
            if (target.startsWith("spiffe://")) {
                final SpiffeId id;
                try {
                    id = SpiffeId.parse(target);
                } catch (IllegalArgumentException e) {
                    throw badArgument("SPIFFE-ID: " + e.getMessage());
                }
                if (id.service().isEmpty()) {
                    throw badArgument("SPIFFE-ID: " + id + " is not a workload's (expected: spiffe://<trust domain>"
                            + "/svc/<service>)");
                }
                request = new TrustJson.RevokeRequest(id.toString(), null);
            } else {
                try {
                    TrustState.parseSerial(target);
                } catch (IllegalArgumentException e) {
                    throw badArgument(e.getMessage() + "; or give a SPIFFE ID, spiffe://<trust domain>/svc/<service>");
                }
                request = new TrustJson.RevokeRequest(null, target);
            }
        }

        @Override
        void run(RegistryClient registry, PrintWriter out) throws IOException {
            if (dryRun) {
                final TrustJson.Revocation revocation = registry.planRevocation(requireNonNull(request, "request"))
                        .join();
                final boolean already = registry.revocations().join().contains(revocation);
                if (output.json()) {
                    final ObjectNode json = (ObjectNode) Stat.MAPPER.readTree(TrustJson.writeRevocation(revocation));
                    json.put("dryRun", true).put("revokedAlready", already);
                    output.print(out, "", json);
                    return;
                }
                out.println("dry run: " + revocation.describe()
                        + (already ? " is revoked already" : " would be refused by every member")
                        + "; nothing was revoked");
                return;
            }
            final TrustJson.Revocation revocation =
                    registry.revoke(requireNonNull(request, "request")).join();
            if (output.json()) {
                Output.printJson(out, TrustJson.writeRevocation(revocation));
                return;
            }
            out.println("revoked " + revocation.describe() + "; members refuse it from now on, and the revocation "
                    + "is kept until " + revocation.until());
        }
    }

    @Command(
            name = "revocations",
            mixinStandardHelpOptions = true,
            description = "Lists the revocations in force, oldest first.")
    static final class Revocations extends AdminCommand {
        @Mixin
        Output output = new Output();

        @Override
        void run(RegistryClient registry, PrintWriter out) {
            final List<TrustJson.Revocation> revocations =
                    registry.revocations().join();
            if (output.json()) {
                Output.printJson(out, TrustJson.writeRevocations(revocations));
                return;
            }
            out.printf("%-48s %-34s %-24s %s%n", "SPIFFE ID", "SERIAL", "REVOKED AT", "KEPT UNTIL");
            for (TrustJson.Revocation revocation : revocations) {
                out.printf(
                        "%-48s %-34s %-24s %s%n",
                        revocation.spiffeId(),
                        revocation.serial() != null ? revocation.serial() : "(all issued up to then)",
                        revocation.revokedAt(),
                        revocation.until());
            }
        }
    }

    private Certs() {}
}
