package io.mesh4j.registry.internal.cli;

import static java.util.Objects.requireNonNullElse;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.InvalidInputException;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.RegistryException;
import io.mesh4j.core.internal.registry.RouteJson;
import io.mesh4j.core.routing.PathMatch;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteMatch;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.core.routing.Subset;
import io.mesh4j.core.routing.WeightedSubset;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meshctl routes}: a service's route config, read, applied from a file, or split between subsets live.
 */
@Command(
        name = "routes",
        description = "A service's route config: matches, splits, timeouts, retries, faults, limits.",
        subcommands = {Routes.Get.class, Routes.Apply.class, Routes.Diff.class, Routes.Split.class, Routes.Delete.class
        })
final class Routes {

    private static final ObjectMapper JSON = new ObjectMapper();

    static ServiceName service(CommandLine.Model.CommandSpec spec, String service) {
        try {
            return ServiceName.of(service);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "SERVICE: " + e.getMessage());
        }
    }

    static boolean isConflict(CompletionException e) {
        return e.getCause() instanceof RegistryException refused && refused.isConflict();
    }

    /**
     * A conflict said in meshctl's terms, with the index in force now, rather than in the HTTP terms of the
     * registry's message; any other failure as it is.
     */
    static RuntimeException changedSince(
            CompletionException e, RegistryClient registry, ServiceName service, long index, String what) {
        if (!isConflict(e)) {
            return e;
        }
        final long now = registry.routes(service).join().index();
        return new MeshCtl.Failure("the route config of " + service + " is at index " + now + ", not " + index
                + ": it changed since it was read, and nothing was " + what + ". See what is in force with meshctl "
                + "routes get " + service + ", and run this again with --index " + now + " if it still holds");
    }

    static void printAccepted(PrintWriter out, ServiceName service, RegistryClient.Accepted accepted, Output output) {
        if (output.json()) {
            final com.fasterxml.jackson.databind.node.ObjectNode json =
                    Output.object().put("service", service.value()).put("index", accepted.index());
            accepted.warnings().forEach(json.putArray("warnings")::add);
            output.print(out, "", json);
            return;
        }
        out.println("routes of " + service + " in force at index " + accepted.index());
        accepted.warnings().forEach(warning -> out.println("warning: " + warning));
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Prints the route config in force.")
    static final class Get extends AdminCommand {
        @Parameters(paramLabel = "SERVICE")
        String service = "";

        @Mixin
        Output output = new Output();

        private ServiceName name;

        @Override
        void checkArguments() {
            name = service(spec, service);
        }

        @Override
        void run(RegistryClient registry, PrintWriter out) throws Exception {
            final RouteJson.RoutesSnapshot snapshot = registry.routes(name).join();
            if (output.json()) {
                // The index and the config together, as the registry answers them: {"index": N, "routes": ...}.
                Output.printJson(out, RouteJson.writeSnapshot(snapshot));
                return;
            }
            // On standard error, so that standard output stays a config that routes apply reads back; the index is
            // what apply --index takes, to apply an edit of this config only if nobody changed it meanwhile.
            spec.commandLine().getErr().println("routes of " + name + " at index " + snapshot.index());
            if (snapshot.routes() == null) {
                out.println("{\"rules\": []}");
            } else {
                out.println(JSON.writerWithDefaultPrettyPrinter()
                        .writeValueAsString(JSON.readTree(RouteJson.write(snapshot.routes()))));
            }
        }
    }

    @Command(
            name = "apply",
            mixinStandardHelpOptions = true,
            description = "Puts the route config in FILE in force; a config the registry refuses changes nothing.")
    static final class Apply extends AdminCommand {
        @Parameters(paramLabel = "SERVICE")
        String service = "";

        @Option(
                names = {"-f", "--file"},
                required = true,
                paramLabel = "FILE",
                description = "The route config (JSON).")
        Path file = Path.of("");

        @Option(
                names = "--index",
                paramLabel = "N",
                description = "Applies only if the config in force is still at index N (as routes get prints it), "
                        + "so that an edit never undoes a change made since it was read. Default: applies whatever "
                        + "is in force.")
        @Nullable
        Long index;

        @Option(
                names = "--dry-run",
                description = "Has the registry check the config as it would apply it, with its warnings, and "
                        + "write nothing.")
        boolean dryRun;

        @Mixin
        Output output = new Output();

        private ServiceName name;
        private RouteConfig config;

        @Override
        void checkArguments() throws IOException {
            name = service(spec, service);
            try {
                config = RouteJson.parse(Files.readAllBytes(file));
            } catch (InvalidInputException e) {
                // Checked here first, so that the message names the file; the registry checks it again.
                throw badArgument(file + ": " + e.getMessage());
            }
            if (index != null && index < 0) {
                throw badArgument("--index: " + index + " (expected: >= 0, as routes get prints it)");
            }
        }

        @Override
        void run(RegistryClient registry, PrintWriter out) throws IOException {
            if (dryRun) {
                DocumentChanges.dryRun(
                        registry,
                        DocumentChanges.path("/v1/routes/", name),
                        RouteJson.write(config),
                        out,
                        "route config",
                        output);
                return;
            }
            if (index == null) {
                printAccepted(out, name, registry.putRoutes(name, config).join(), output);
                return;
            }
            try {
                printAccepted(out, name, registry.putRoutes(name, config, index).join(), output);
            } catch (CompletionException e) {
                throw changedSince(e, registry, name, index, "applied");
            }
        }
    }

    @Command(
            name = "diff",
            mixinStandardHelpOptions = true,
            description = "Shows how the route config in FILE differs from the one in force ('-' in force only, '+' "
                    + "FILE only); exit code 1 when they differ, 0 when not. Nothing is written.")
    static final class Diff extends AdminCommand {
        @Parameters(paramLabel = "SERVICE")
        String service = "";

        @Option(
                names = {"-f", "--file"},
                required = true,
                paramLabel = "FILE",
                description = "The route config (JSON).")
        Path file = Path.of("");

        @Mixin
        Output output = new Output();

        private ServiceName name;
        private RouteConfig config;

        @Override
        void checkArguments() throws IOException {
            name = service(spec, service);
            try {
                config = RouteJson.parse(Files.readAllBytes(file));
            } catch (InvalidInputException e) {
                throw badArgument(file + ": " + e.getMessage());
            }
        }

        @Override
        void run(RegistryClient registry, PrintWriter out) throws IOException {
            final RouteJson.RoutesSnapshot inForce = registry.routes(name).join();
            final boolean differ = DocumentChanges.printDiff(
                    out,
                    "route config of " + name,
                    inForce.index(),
                    inForce.routes() == null ? null : RouteJson.write(inForce.routes()),
                    RouteJson.write(config),
                    file,
                    output);
            exitCode = differ ? 1 : 0;
        }
    }

    @Command(
            name = "split",
            mixinStandardHelpOptions = true,
            description = "Splits the service's traffic between subsets, such as: split orders v1=90 v2=10. "
                    + "Replaces the rule named 'split' (added last, for every request, if there is none) "
                    + "and keeps the others. Refuses when an earlier rule matches every request, since the "
                    + "split would never apply; made again on what is in force if the config changes meanwhile.")
    static final class Split extends AdminCommand {
        @Parameters(index = "0", paramLabel = "SERVICE")
        String service = "";

        @Parameters(
                index = "1..*",
                paramLabel = "SUBSET=WEIGHT",
                description = "A value of --label and its share in percent; the shares sum to 100.")
        List<String> weights = new ArrayList<>();

        @Option(
                names = "--label",
                defaultValue = "version",
                description = "The instance metadata key the subsets differ by. Default: ${DEFAULT-VALUE}.")
        String label = "version";

        @Option(
                names = "--dry-run",
                description = "Has the registry check the config with this split as it would apply it, with its "
                        + "warnings, and write nothing.")
        boolean dryRun;

        @Mixin
        Output output = new Output();

        /** How many times split reads, changes and writes the config before it gives up to another writer. */
        static final int MAX_ATTEMPTS = 3;

        private ServiceName name;
        private RouteRule rule;

        @Override
        void checkArguments() {
            name = service(spec, service);
            final List<WeightedSubset> split = new ArrayList<>();
            for (String entry : weights) {
                final int equals = entry.indexOf('=');
                final int weight;
                try {
                    weight = Integer.parseInt(entry.substring(equals + 1));
                } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
                    throw badArgument("'" + entry + "' (expected: SUBSET=WEIGHT, such as v2=10)");
                }
                if (equals <= 0) {
                    throw badArgument("'" + entry + "' (expected: SUBSET=WEIGHT, such as v2=10)");
                }
                final Map<String, String> labels = new LinkedHashMap<>();
                labels.put(label, entry.substring(0, equals));
                split.add(new WeightedSubset(new Subset(labels), weight));
            }
            try {
                rule = new RouteRule(
                        "split", RouteMatch.ALL, split, null, null, null, null, null, null, null, null, null);
            } catch (IllegalArgumentException e) {
                throw badArgument(requireNonNullElse(e.getMessage(), e.toString()));
            }
        }

        @Override
        void run(RegistryClient registry, PrintWriter out) throws IOException {
            for (int attempt = 1; ; attempt++) {
                final RouteJson.RoutesSnapshot current = registry.routes(name).join();
                final RouteConfig next = withSplit(current.routes());
                if (dryRun) {
                    DocumentChanges.dryRun(
                            registry,
                            DocumentChanges.path("/v1/routes/", name),
                            RouteJson.write(next),
                            out,
                            "route config with this split",
                            output);
                    return;
                }
                try {
                    // With the index it read, so that a change made meanwhile (a routes apply, another split) is
                    // refused rather than undone: the split is then made again on what is in force.
                    printAccepted(
                            out,
                            name,
                            registry.putRoutes(name, next, current.index()).join(),
                            output);
                    return;
                } catch (CompletionException e) {
                    if (!isConflict(e)) {
                        throw e;
                    }
                    if (attempt == MAX_ATTEMPTS) {
                        throw new MeshCtl.Failure("the route config of " + name + " changed " + MAX_ATTEMPTS
                                + " times while split was being made on it: someone else is changing it now. "
                                + "Nothing of this split was applied; run it again, or see what is in force with "
                                + "meshctl routes get " + name);
                    }
                    spec.commandLine()
                            .getErr()
                            .println("meshctl: the route config of " + name + " changed since index " + current.index()
                                    + " was read; making the split again on what is in force");
                }
            }
        }

        /**
         * The config with this split in place: the rule named 'split' replaced where it stands, or added last. A
         * request follows the first rule that matches it, so a rule before the split that matches every request
         * would take all of them and the split would never apply: that is refused, since only the operator knows
         * whether the split belongs in that rule or that rule's match is too wide.
         */
        private RouteConfig withSplit(@Nullable RouteConfig current) {
            final List<RouteRule> rules = new ArrayList<>(current != null ? current.rules() : List.of());
            int at = indexOf(rules, "split");
            if (at >= 0) {
                rules.set(at, rule);
            } else {
                rules.add(rule);
                at = rules.size() - 1;
            }
            for (int i = 0; i < at; i++) {
                final RouteRule before = rules.get(i);
                if (matchesEveryRequest(before.match())) {
                    throw new MeshCtl.Failure("rule '" + before.name() + "' (rules[" + i + "]) of " + name
                            + " matches every request and comes before the rule 'split', so the split would "
                            + "never apply; nothing was changed. Put the split in that rule instead (its \"route\", "
                            + "with meshctl routes get and routes apply), or give it a narrower match");
                }
            }
            // The rest of the config stays as it is: the other rules, and who may send overrides.
            return new RouteConfig(rules, current != null ? current.overrideCallers() : Set.of());
        }

        /** Whether a rule of this match takes every request: any method, any headers, and every path. */
        static boolean matchesEveryRequest(RouteMatch match) {
            final @Nullable PathMatch path = match.path();
            final boolean everyPath =
                    path == null || (path.kind() == PathMatch.Kind.PREFIX && "/".equals(path.value()));
            return everyPath && match.methods().isEmpty() && match.headers().isEmpty();
        }

        private static int indexOf(List<RouteRule> rules, String name) {
            for (int i = 0; i < rules.size(); i++) {
                if (rules.get(i).name().equals(name)) {
                    return i;
                }
            }
            return -1;
        }
    }

    @Command(
            name = "delete",
            mixinStandardHelpOptions = true,
            description = "Removes the route config: calls follow the defaults and the annotations again.")
    static final class Delete extends AdminCommand {
        @Parameters(paramLabel = "SERVICE")
        String service = "";

        @Option(
                names = "--index",
                paramLabel = "N",
                description = "Removes only if the config in force is still at index N (as routes get prints it). "
                        + "Default: removes whatever is in force.")
        @Nullable
        Long index;

        @Option(
                names = "--dry-run",
                description = "Says what would be removed (the config in force and its index), and removes nothing.")
        boolean dryRun;

        @Mixin
        Output output = new Output();

        private ServiceName name;

        @Override
        void checkArguments() {
            name = service(spec, service);
            if (index != null && index < 0) {
                throw badArgument("--index: " + index + " (expected: >= 0, as routes get prints it)");
            }
        }

        @Override
        void run(RegistryClient registry, PrintWriter out) {
            if (dryRun) {
                // The registry has no dry run of a delete: what it would remove is what is in force now.
                final RouteJson.RoutesSnapshot current = registry.routes(name).join();
                final boolean stale = index != null && index != current.index();
                output.print(
                        out,
                        "dry run: "
                                + (current.routes() == null
                                        ? "no route config of " + name + " is in force; nothing would be removed"
                                        : stale
                                                ? "the route config of " + name + " is at index " + current.index()
                                                        + ", not " + index + ": the delete would be refused"
                                                : "the route config of " + name + " at index " + current.index()
                                                        + " ("
                                                        + current.routes()
                                                                .rules()
                                                                .size() + " rules) would "
                                                        + "be removed")
                                + "; nothing was removed",
                        Output.object()
                                .put("dryRun", true)
                                .put("service", name.value())
                                .put("index", current.index())
                                .put("inForce", current.routes() != null)
                                .put("wouldRemove", current.routes() != null && !stale));
                return;
            }
            final long removed;
            if (index == null) {
                removed = registry.deleteRoutes(name).join();
            } else {
                try {
                    removed = registry.deleteRoutes(name, index).join();
                } catch (CompletionException e) {
                    throw changedSince(e, registry, name, index, "removed");
                }
            }
            output.print(
                    out,
                    "routes of " + name + " removed at index " + removed,
                    Output.object().put("service", name.value()).put("removedAt", removed));
        }
    }

    private Routes() {}
}
