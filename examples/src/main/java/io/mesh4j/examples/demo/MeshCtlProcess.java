package io.mesh4j.examples.demo;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code meshctl} in its own process, as an operator at a terminal would, against the demo's registry.
 */
final class MeshCtlProcess {

    private final URI registry;
    private final Path dataDir;

    MeshCtlProcess(URI registry, Path dataDir) {
        this.registry = registry;
        this.dataDir = dataDir;
    }

    /**
     * Runs {@code meshctl args...} and returns what it printed.
     *
     * @throws IOException if it cannot start, or fails (its output says why)
     */
    String run(String... args) throws IOException, InterruptedException {
        final List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-Xmx64m",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                "io.mesh4j.registry.internal.cli.MeshCtl"));
        command.addAll(List.of(args));
        command.addAll(List.of("--registry", registry.toString(), "--data-dir", dataDir.toString()));
        // Its output goes to a file, not a pipe: a meshctl that never exits then costs 30 s, not the demo.
        final Path log = Files.createTempFile("mesh4j-meshctl-", ".log");
        final String output;
        try {
            final Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("meshctl " + String.join(" ", args) + " did not finish in 30 s; it printed: "
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
            output = Files.readString(log, StandardCharsets.UTF_8).strip();
            if (process.exitValue() != 0) {
                throw new IOException("meshctl " + String.join(" ", args) + " failed: " + output);
            }
        } finally {
            Files.deleteIfExists(log);
        }
        return output;
    }
}
