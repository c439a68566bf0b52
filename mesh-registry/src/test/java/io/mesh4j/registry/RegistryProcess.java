package io.mesh4j.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link RegistryMain} in a child JVM on this test's class path, with stdout and stderr in files.
 */
final class RegistryProcess implements AutoCloseable {

    private static final Pattern LISTENING =
            Pattern.compile("mesh-registry listening on http://([^ ]+):([0-9]+) \\(data: (.+)\\)");

    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private RegistryProcess(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Starts {@code java -cp <this class path> io.mesh4j.registry.RegistryMain args...}; logs go to {@code logs}. */
    static RegistryProcess start(Path logs, String... args) {
        final String java = ProcessHandle.current().info().command().orElseThrow();
        final String classPath = System.getProperty("java.class.path");
        // A manifest-only booter jar would hide the dependencies; the pom keeps surefire from using one.
        assertThat(classPath).contains("picocli").contains("armeria");
        final List<String> command = new ArrayList<>(
                List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", classPath, RegistryMain.class.getName()));
        command.addAll(List.of(args));
        try {
            Files.createDirectories(logs);
            final Path stdout = Files.createTempFile(logs, "stdout", ".txt");
            final Path stderr = Files.createTempFile(logs, "stderr", ".txt");
            final Process process = new ProcessBuilder(command)
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile())
                    .start();
            return new RegistryProcess(process, stdout, stderr);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for the line that says the registry serves, and returns where. */
    URI awaitListening() {
        final Matcher[] found = new Matcher[1];
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new AssertionError("the registry exited with " + process.exitValue() + ": " + stderr());
                    }
                    final Matcher matcher = LISTENING.matcher(stdout().strip());
                    if (matcher.matches()) {
                        found[0] = matcher;
                        return true;
                    }
                    return false;
                });
        return URI.create("http://127.0.0.1:" + found[0].group(2));
    }

    int awaitExit() {
        try {
            assertThat(process.waitFor(30, TimeUnit.SECONDS))
                    .as("the registry exits")
                    .isTrue();
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** {@code kill -9}: no shutdown hook, no flush, nothing. */
    void kill() {
        process.destroyForcibly();
        awaitExit();
    }

    /** SIGTERM, as an orchestrator stops it. */
    int terminate() {
        process.destroy();
        return awaitExit();
    }

    String stdout() {
        return read(stdout);
    }

    String stderr() {
        return read(stderr);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }
}
