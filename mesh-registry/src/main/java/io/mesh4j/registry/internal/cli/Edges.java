package io.mesh4j.registry.internal.cli;

import java.io.PrintWriter;
import java.time.Duration;

import io.mesh4j.core.internal.registry.RegistryClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code meshctl edges}: who calls whom, with each edge's golden metrics. */
@Command(
        name = "edges",
        mixinStandardHelpOptions = true,
        description = "Who calls whom: one row per caller -> service edge the members reported, with its golden "
                + "metrics.")
final class Edges extends AdminCommand {

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

    @Override
    void checkArguments() {
        final String problem = StatQuery.windowProblem(window);
        if (problem != null) {
            throw badArgument(problem);
        }
    }

    @Override
    void run(RegistryClient registry, PrintWriter out) throws Exception {
        Stat.print(
                registry.getJson(StatQuery.path(null, StatQuery.By.edge, window))
                        .join(),
                output,
                out);
    }
}
