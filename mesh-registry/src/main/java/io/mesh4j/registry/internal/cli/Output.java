package io.mesh4j.registry.internal.cli;

import java.io.PrintWriter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import picocli.CommandLine.Option;

/**
 * {@code -o/--output table|json} for a command that prints the outcome of one call: its line for people, or one JSON
 * object for scripts, so that every meshctl command that prints something can be read by a script.
 */
final class Output {

    @Option(
            names = {"-o", "--output"},
            defaultValue = "table",
            description = "table or json. Default: ${DEFAULT-VALUE}.")
    OutputFormat format = OutputFormat.table;

    boolean json() {
        return format == OutputFormat.json;
    }

    /** A new JSON object to fill and {@link #print}. */
    static ObjectNode object() {
        return Stat.MAPPER.createObjectNode();
    }

    /** Prints {@code line} for people, or {@code json} (pretty) for scripts. */
    void print(PrintWriter out, String line, JsonNode json) {
        if (json()) {
            try {
                out.println(Stat.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        } else {
            out.println(line);
        }
    }

    /** Prints JSON the registry answered, pretty. */
    static void printJson(PrintWriter out, byte[] json) {
        try {
            out.println(Stat.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(Stat.MAPPER.readTree(json)));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
