package io.mesh4j.benchmarks.process;

import static java.util.Objects.requireNonNull;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * A process a benchmark starts: a JVM of its own or a server such as HAProxy. The benchmark talks to a JVM child
 * by lines: commands on its standard input, answers on its standard output. What a child logs goes to its
 * standard error, which is kept in a file for when something goes wrong.
 */
public final class ChildProcess implements AutoCloseable {

    /** Marks the end of a child's output in {@link #lines}: the process has exited or closed its stdout. */
    private static final String END = "\u0000end";

    private final String name;
    private final Process process;
    private final Path log;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Writer stdin;

    private ChildProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
        stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        final Thread reader = new Thread(this::readStdout, name + "-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@code command}, its standard error appended to {@code log}.
     */
    public static ChildProcess start(String name, List<String> command, Path log) {
        requireNonNull(name, "name");
        try {
            final Process process = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            return new ChildProcess(name, process, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + String.join(" ", command), e);
        }
    }

    /**
     * Starts {@code mainClass} in a JVM of its own, with this JVM's class path and {@code jvmFlags}.
     */
    public static ChildProcess startJava(
            String name, List<String> jvmFlags, String mainClass, List<String> args, Path log) {
        return startJava(name, List.of(), jvmFlags, mainClass, args, log);
    }

    /**
     * Starts {@code mainClass} as {@link #startJava(String, List, String, List, Path)} does, its command line
     * behind {@code prefix}: a command that runs the JVM somewhere else and then replaces itself with it, such as
     * {@code ip netns exec NAMESPACE}, so that {@link #pid()} stays the JVM's.
     */
    public static ChildProcess startJava(
            String name, List<String> prefix, List<String> jvmFlags, String mainClass, List<String> args, Path log) {
        final List<String> command = new ArrayList<>(prefix);
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        return start(name, command, log);
    }

    private void readStdout() {
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                lines.add(line);
            }
        } catch (IOException e) {
            // The child went away mid-line; END below tells whoever waits.
        }
        lines.add(END);
    }

    /**
     * Waits for a line of the child's output that {@code pattern} finds, skipping the others, and returns the
     * match.
     *
     * @throws IllegalStateException if the child exits or stays silent for {@code timeout} first
     */
    public Matcher awaitLine(Pattern pattern, Duration timeout) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            final @Nullable String line;
            try {
                line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + name, e);
            }
            if (line == null) {
                throw new IllegalStateException(name + " printed no line matching '" + pattern + "' within "
                        + timeout.toSeconds() + " s; see " + log);
            }
            if (END.equals(line)) {
                lines.add(END);
                throw new IllegalStateException(name + " exited (" + exitDescription() + ") before printing a "
                        + "line matching '" + pattern + "'; see " + log);
            }
            final Matcher matcher = pattern.matcher(line);
            if (matcher.find()) {
                return matcher;
            }
        }
    }

    private String exitDescription() {
        try {
            return process.waitFor(5, TimeUnit.SECONDS) ? "code " + process.exitValue() : "still running";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /** Sends one command line to the child's standard input. */
    public void send(String line) {
        try {
            stdin.write(line);
            stdin.write('\n');
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot send '" + line + "' to " + name + "; see " + log, e);
        }
    }

    /** Sends {@code command} and waits for the child's answer, the line that {@code answer} finds. */
    public Matcher ask(String command, Pattern answer, Duration timeout) {
        send(command);
        return awaitLine(answer, timeout);
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Kills the child as {@code kill -9} does (no shutdown hook runs) and waits for it to be gone. */
    public void kill() {
        try {
            process.destroyForcibly().waitFor(15, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Asks the child to stop (SIGTERM) and waits for it; kills it after 15 seconds. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ')';
    }
}
