package io.mesh4j.registry.internal.cli;

import java.io.PrintWriter;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.RegistryClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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

    @Mixin
    StatScope scope = new StatScope();

    @Option(
            names = {"-o", "--output"},
            defaultValue = "table",
            description = "table or json. Default: ${DEFAULT-VALUE}.")
    OutputFormat output = OutputFormat.table;

    private @Nullable ServiceName name;

    @Override
    void checkArguments() {
        name = scope.check("stat", this::badArgument);
    }

    @Override
    void run(RegistryClient registry, PrintWriter out) throws Exception {
        print(registry.getJson(scope.path(name)).join(), output, out);
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
