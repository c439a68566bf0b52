package io.mesh4j.registry.internal.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.authz.DefaultPolicy;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.InvalidInputException;
import io.mesh4j.core.internal.registry.PolicyJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meshctl policies}: who may call a service (its access policy, read or applied from a file), and the
 * mesh-wide default for a request that no policy or annotation decides.
 */
@Command(
        name = "policies",
        description = "Access policies: who may call a service, and the mesh-wide default (allow or deny).",
        subcommands = {Policies.Get.class, Policies.Apply.class, Policies.Diff.class, Policies.Default.class})
final class Policies {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What decides a service's requests that its rules do not cover, in words, for {@code get}. */
    static String fallback(@Nullable AccessPolicy policy, DefaultPolicy meshDefault) {
        if (policy == null) {
            return "no access policy: @AllowCallers decide their routes, the mesh-wide default (" + meshDefault
                    + ") the rest";
        }
        if (policy.defaultPolicy() == null) {
            return "the rules decide every request (a request they do not allow is refused); no annotation or "
                    + "default applies";
        }
        return "the rules decide what they cover, @AllowCallers their routes, the service's default ("
                + policy.defaultPolicy() + ") the rest";
    }

    @Command(
            name = "get",
            mixinStandardHelpOptions = true,
            description = "Prints the service's access policy (JSON, on stdout) and, on stderr, its index, the "
                    + "mesh-wide default and what decides the requests its rules do not cover.")
    static final class Get extends AdminCommand {
        @Parameters(paramLabel = "SERVICE")
        String service = "";

        @Mixin
        Output output = new Output();

        private ServiceName name;

        @Override
        void checkArguments() {
            name = Routes.service(spec, service);
        }

        @Override
        void run(RegistryClient registry, PrintWriter out) throws Exception {
            final PolicyJson.PolicySnapshot snapshot = registry.policy(name).join();
            if (output.json()) {
                // The index, the policy and the mesh-wide default together, as the registry answers them.
                Output.printJson(out, PolicyJson.writeSnapshot(snapshot));
                return;
            }
            final DefaultPolicy meshDefault =
                    snapshot.meshDefault() != null ? snapshot.meshDefault() : DefaultPolicy.ALLOW;
            final PrintWriter err = spec.commandLine().getErr();
            err.println("access policy of " + name + " at index " + snapshot.index());
            err.println("mesh-wide default policy: " + meshDefault);
            err.println("requests no rule covers: " + fallback(snapshot.policy(), meshDefault));
            err.flush();
            if (snapshot.policy() == null) {
                out.println("null");
            } else {
                out.println(JSON.writerWithDefaultPrettyPrinter()
                        .writeValueAsString(JSON.readTree(PolicyJson.writePolicy(snapshot.policy()))));
            }
        }
    }

    @Command(
            name = "apply",
            mixinStandardHelpOptions = true,
            description = "Puts the access policy in FILE in force, such as {\"default\": \"deny\", \"rules\": "
                    + "[{\"routes\": [\"/orders/{id}\"], \"allowCallers\": [\"frontend\"]}]}; a policy the "
                    + "registry refuses changes nothing.")
    static final class Apply extends AdminCommand {
        @Parameters(paramLabel = "SERVICE")
        String service = "";

        @Option(
                names = {"-f", "--file"},
                required = true,
                paramLabel = "FILE",
                description = "The access policy (JSON).")
        Path file = Path.of("");

        @Option(
                names = "--dry-run",
                description = "Has the registry check the policy as it would apply it, and write nothing.")
        boolean dryRun;

        @Mixin
        Output output = new Output();

        private ServiceName name;
        private AccessPolicy policy;

        @Override
        void checkArguments() throws IOException {
            name = Routes.service(spec, service);
            try {
                policy = PolicyJson.parsePolicy(Files.readAllBytes(file));
            } catch (InvalidInputException e) {
                // Checked here first, so that the message names the file; the registry checks it again.
                throw badArgument(file + ": " + e.getMessage());
            }
        }

        @Override
        void run(RegistryClient registry, PrintWriter out) throws IOException {
            if (dryRun) {
                DocumentChanges.dryRun(
                        registry,
                        DocumentChanges.path("/v1/policies/", name),
                        PolicyJson.writePolicy(policy),
                        out,
                        "access policy",
                        output);
                return;
            }
            final long index = registry.putPolicy(name, policy).join();
            output.print(
                    out,
                    "access policy of " + name + " in force at index " + index,
                    Output.object().put("service", name.value()).put("index", index));
        }
    }

    @Command(
            name = "diff",
            mixinStandardHelpOptions = true,
            description = "Shows how the access policy in FILE differs from the one in force ('-' in force only, "
                    + "'+' FILE only); exit code 1 when they differ, 0 when not. Nothing is written.")
    static final class Diff extends AdminCommand {
        @Parameters(paramLabel = "SERVICE")
        String service = "";

        @Option(
                names = {"-f", "--file"},
                required = true,
                paramLabel = "FILE",
                description = "The access policy (JSON).")
        Path file = Path.of("");

        @Mixin
        Output output = new Output();

        private ServiceName name;
        private AccessPolicy policy;

        @Override
        void checkArguments() throws IOException {
            name = Routes.service(spec, service);
            try {
                policy = PolicyJson.parsePolicy(Files.readAllBytes(file));
            } catch (InvalidInputException e) {
                throw badArgument(file + ": " + e.getMessage());
            }
        }

        @Override
        void run(RegistryClient registry, PrintWriter out) throws IOException {
            final PolicyJson.PolicySnapshot inForce = registry.policy(name).join();
            final boolean differ = DocumentChanges.printDiff(
                    out,
                    "access policy of " + name,
                    inForce.index(),
                    inForce.policy() == null ? null : PolicyJson.writePolicy(inForce.policy()),
                    PolicyJson.writePolicy(policy),
                    file,
                    output);
            exitCode = differ ? 1 : 0;
        }
    }

    @Command(
            name = "default",
            mixinStandardHelpOptions = true,
            description = "Prints the mesh-wide default policy, or sets it: allow, or deny (zero trust). Every "
                    + "service applies a change within seconds; a service's own default and the rules of its "
                    + "policy still win over it.")
    static final class Default extends AdminCommand {
        @Parameters(arity = "0..1", paramLabel = "allow|deny", description = "The default to put in force.")
        @Nullable
        String value;

        private @Nullable DefaultPolicy wanted;

        @Option(
                names = "--dry-run",
                description = "With allow|deny: says what is in force and what would change, and writes nothing.")
        boolean dryRun;

        @Mixin
        Output output = new Output();

        @Override
        void checkArguments() {
            try {
                wanted = value == null ? null : DefaultPolicy.of(value);
            } catch (IllegalArgumentException e) {
                throw badArgument("default policy: " + e.getMessage());
            }
        }

        @Override
        void run(RegistryClient registry, PrintWriter out) {
            final @Nullable DefaultPolicy wanted = this.wanted;
            if (dryRun && wanted != null) {
                // The registry has no dry run of the default: what it would change is read from what is in force.
                final PolicyJson.DefaultSnapshot now = registry.defaultPolicy().join();
                output.print(
                        out,
                        "dry run: the mesh-wide default policy is " + now.defaultPolicy() + " (index " + now.index()
                                + ")"
                                + (now.defaultPolicy() == wanted
                                        ? "; setting it to " + wanted + " changes " + "nothing"
                                        : " and would become " + wanted)
                                + "; nothing was written",
                        Output.object()
                                .put("dryRun", true)
                                .put("default", now.defaultPolicy().value())
                                .put("index", now.index())
                                .put("wouldBecome", wanted.value()));
                return;
            }
            final PolicyJson.DefaultSnapshot snapshot = wanted == null
                    ? registry.defaultPolicy().join()
                    : registry.putDefaultPolicy(wanted).join();
            if (output.json()) {
                Output.printJson(out, PolicyJson.writeDefault(snapshot));
                return;
            }
            out.println("mesh-wide default policy: " + snapshot.defaultPolicy() + " (index " + snapshot.index() + ')');
        }
    }

    private Policies() {}
}
