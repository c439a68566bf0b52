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

import com.fasterxml.jackson.databind.ObjectMapper;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.InvalidInputException;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.RouteJson;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteMatch;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.core.routing.Subset;
import io.mesh4j.core.routing.WeightedSubset;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meshctl routes}: a service's route config, read, applied from a file, or split between subsets live.
 */
@Command(
        name = "routes",
        description = "A service's route config: matches, splits, timeouts, retries, faults, limits.",
        subcommands = {Routes.Get.class, Routes.Apply.class, Routes.Split.class, Routes.Delete.class})
final class Routes {

    private static final ObjectMapper JSON = new ObjectMapper();

    static ServiceName service(CommandLine.Model.CommandSpec spec, String service) {
        try {
            return ServiceName.of(service);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "SERVICE: " + e.getMessage());
        }
    }

    static void printAccepted(PrintWriter out, ServiceName service, RegistryClient.Accepted accepted) {
        out.println("routes of " + service + " in force at index " + accepted.index());
        accepted.warnings().forEach(warning -> out.println("warning: " + warning));
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Prints the route config in force.")
    static final class Get extends AdminCommand {
        @Parameters(paramLabel = "SERVICE")
        String service = "";

        private ServiceName name;

        @Override
        void checkArguments() {
            name = service(spec, service);
        }

        @Override
        void run(RegistryClient registry, PrintWriter out) throws Exception {
            final RouteJson.RoutesSnapshot snapshot = registry.routes(name).join();
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
        }

        @Override
        void run(RegistryClient registry, PrintWriter out) {
            printAccepted(out, name, registry.putRoutes(name, config).join());
        }
    }

    @Command(
            name = "split",
            mixinStandardHelpOptions = true,
            description = "Splits the service's traffic between subsets, such as: split orders v1=90 v2=10. "
                    + "Replaces the rule named 'split' (added last, for every request, if there is none) "
                    + "and keeps the others.")
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
        void run(RegistryClient registry, PrintWriter out) {
            final RouteJson.RoutesSnapshot current = registry.routes(name).join();
            final List<RouteRule> rules =
                    new ArrayList<>(current.routes() != null ? current.routes().rules() : List.of());
            final int existing = indexOf(rules, "split");
            if (existing >= 0) {
                rules.set(existing, rule);
            } else {
                rules.add(rule);
            }
            // The rest of the config stays as it is: the other rules, and who may send overrides.
            final RouteConfig next = new RouteConfig(
                    rules, current.routes() != null ? current.routes().overrideCallers() : Set.of());
            printAccepted(out, name, registry.putRoutes(name, next).join());
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

        private ServiceName name;

        @Override
        void checkArguments() {
            name = service(spec, service);
        }

        @Override
        void run(RegistryClient registry, PrintWriter out) {
            final long index = registry.deleteRoutes(name).join();
            out.println("routes of " + name + " removed at index " + index);
        }
    }

    private Routes() {}
}
