package io.mesh4j.registry.internal.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.RegistryClient;

/**
 * What {@code routes diff}, {@code policies diff} and {@code apply --dry-run} share: a document in force against one
 * from a file, both written the same way (parsed, then written by the mesh's own JSON writer and pretty-printed),
 * so that only what means something differs; and a write the registry checks without storing.
 */
final class DocumentChanges {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Prints the diff from {@code inForce} (null for none) to {@code proposed}, each the mesh's JSON of the
     * document; for scripts, one object with both documents, the diff's lines and whether they differ (the exit code
     * says the same).
     *
     * @return whether they differ
     */
    static boolean printDiff(
            PrintWriter out,
            String what,
            long index,
            byte @Nullable [] inForce,
            byte[] proposed,
            Path file,
            Output output)
            throws IOException {
        final List<String> diff = LineDiff.of(lines(inForce), lines(proposed));
        if (output.json()) {
            final ObjectNode json = Output.object()
                    .put("what", what)
                    .put("index", index)
                    .put("file", file.toString())
                    .put("differ", !diff.isEmpty());
            json.set("inForce", inForce == null ? null : JSON.readTree(inForce));
            json.set("proposed", JSON.readTree(proposed));
            diff.forEach(json.putArray("diff")::add);
            output.print(out, "", json);
            return !diff.isEmpty();
        }
        if (diff.isEmpty()) {
            out.println("no difference: " + file + " is the " + what + " in force at index " + index);
            return false;
        }
        out.println("--- the " + what + " in force at index " + index);
        out.println("+++ " + file);
        diff.forEach(out::println);
        return true;
    }

    /**
     * Sends the write to {@code path} with {@code ?dryRun=true}: the registry checks it as it would a write, says
     * what it would warn of, and stores nothing. A document it refuses fails as the write would.
     */
    static void dryRun(RegistryClient registry, String path, byte[] body, PrintWriter out, String what, Output output)
            throws IOException {
        final JsonNode answer =
                JSON.readTree(registry.putJson(path + "?dryRun=true", body).join());
        if (output.json()) {
            output.print(out, "", answer);
            return;
        }
        out.println("dry run: the registry accepts this " + what + " (in force now: index "
                + answer.path("index").asLong() + "); nothing was written");
        answer.path("warnings").forEach(warning -> out.println("warning: " + warning.asText()));
    }

    static String path(String prefix, ServiceName service) {
        return prefix + service.value();
    }

    private static List<String> lines(byte @Nullable [] json) throws IOException {
        if (json == null) {
            return List.of();
        }
        return JSON.writerWithDefaultPrettyPrinter()
                .writeValueAsString(JSON.readTree(json))
                .lines()
                .toList();
    }

    private DocumentChanges() {}
}
