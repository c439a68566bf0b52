package io.mesh4j.registry.internal.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.JsonNode;

import io.mesh4j.registry.internal.audit.AuditLog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code meshctl audit}: the last entries of the registry's audit log, as a table. It reads the file itself rather
 * than asking the registry: the log is its owner's alone, so whoever may read it is whoever runs the registry, and
 * it can be read while the registry is down.
 */
@Command(
        name = "audit",
        mixinStandardHelpOptions = true,
        description = "Prints the last admin actions from the registry's audit log (<data-dir>/audit.log), oldest "
                + "first; run it as the registry's user, beside it.")
final class Audit implements Callable<Integer> {

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "The registry's data directory, whose audit.log to read.")
    @Nullable
    Path dataDir;

    @Option(names = "--file", paramLabel = "FILE", description = "An audit log to read instead, such as a rotated one.")
    @Nullable
    Path file;

    @Option(
            names = {"-n", "--last"},
            paramLabel = "N",
            defaultValue = "20",
            description = "How many entries to print. Default: ${DEFAULT-VALUE}.")
    int last = 20;

    @Mixin
    Output output = new Output();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (last < 1) {
            throw new ParameterException(spec.commandLine(), "--last: " + last + " (expected: >= 1)");
        }
        final Path log = file != null ? file : dataDir != null ? dataDir.resolve(AuditLog.FILE) : null;
        if (log == null) {
            throw new ParameterException(spec.commandLine(), "give --data-dir DIR (the registry's), or --file FILE");
        }
        if (!Files.exists(log)) {
            throw new MeshCtl.Failure(
                    "no audit log at " + log + " (expected: the data directory of a registry that " + "has started)");
        }
        final List<JsonNode> entries = AuditLog.readLast(log, last);
        final PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            final com.fasterxml.jackson.databind.node.ObjectNode json = Output.object();
            json.putArray("entries").addAll(entries);
            output.print(out, "", json);
            out.flush();
            return 0;
        }
        final String format = "%-24s %-20s %-36s %-40s %-15s %s%n";
        out.printf(format, "TIME", "ACTION", "TARGET", "CALLER", "REMOTE", "RESULT");
        for (JsonNode entry : entries) {
            final String result = entry.path("result").asText();
            out.printf(
                    format,
                    entry.path("time").asText(),
                    entry.path("action").asText(),
                    entry.path("target").asText(),
                    entry.path("caller").asText(),
                    entry.path("remote").asText(),
                    entry.hasNonNull("reason")
                            ? result + ": " + entry.path("reason").asText()
                            : result);
        }
        out.flush();
        return 0;
    }
}
