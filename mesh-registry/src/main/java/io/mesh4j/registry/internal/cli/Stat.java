package io.mesh4j.registry.internal.cli;

import java.io.PrintWriter;
import java.time.Duration;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.RegistryClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meshctl stat [service] [--by route|edge] [--window 1m]}: the golden metrics the registry collected from the
 * members, per service, or for one service per route or per edge.
 */
@Command(
        name = "stat",
        mixinStandardHelpOptions = true,
        description = "Golden metrics the members reported: requests per second, success rate, p50/p95/p99 latency, "
                + "retries, denials and ejections, per service, or for one service per route or per edge.")
final class Stat extends AdminCommand {

    static final ObjectMapper MAPPER = new ObjectMapper();

    @Parameters(arity = "0..1", paramLabel = "SERVICE", description = "One service; all of them when left out.")
    @Nullable
    String service;

    @Option(names = "--by", paramLabel = "route|edge", description = "For one service: a row per route or per edge.")
    StatQuery.@Nullable By by;

    @Option(
            names = "--window",
            defaultValue = "1m",
            converter = DurationConverter.class,
            description = "How far back: 10s to 15m. Default: ${DEFAULT-VALUE}.")
    Duration window = Duration.ofMinutes(1);

    @Option(
            names = {"-o", "--output"},
            defaultValue = "table",
            description = "table or json. Default: ${DEFAULT-VALUE}.")
    OutputFormat output = OutputFormat.table;

    private @Nullable ServiceName name;

    @Override
    void checkArguments() {
        if (service != null) {
            try {
                name = ServiceName.of(service);
            } catch (IllegalArgumentException e) {
                throw badArgument("SERVICE: " + e.getMessage());
            }
        } else if (by == StatQuery.By.route) {
            throw badArgument("--by route needs a SERVICE (such as meshctl stat orders --by route)");
        }
        final String problem = StatQuery.windowProblem(window);
        if (problem != null) {
            throw badArgument(problem);
        }
    }

    @Override
    void run(RegistryClient registry, PrintWriter out) throws Exception {
        print(registry.getJson(StatQuery.path(name, by, window)).join(), output, out);
    }

    static void print(byte[] answer, OutputFormat output, PrintWriter out) throws Exception {
        final JsonNode json = MAPPER.readTree(answer);
        if (output == OutputFormat.json) {
            out.println(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json));
        } else {
            StatTable.print(json, out);
        }
    }
}
