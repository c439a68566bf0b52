package io.mesh4j.examples.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A main class run in a child JVM with this JVM's class path: a real process, as it would run in production,
 * that can be stopped politely or killed like {@code kill -9}.
 */
public final class ChildJvm implements AutoCloseable {

    private final Process process;
    private final String readyLine;
    private final String name;

    private ChildJvm(Process process, String readyLine, String name) {
        this.process = process;
        this.readyLine = readyLine;
        this.name = name;
    }

    /**
     * Starts {@code mainClass} with {@code args}, and returns once it prints a line that {@code ready}
     * finds, which tells that it serves. Its standard error goes to {@code log}.
     */
    public static ChildJvm start(String mainClass, List<String> args, Pattern ready, Path log, Duration timeout)
            throws IOException {
        final List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-Xmx128m");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        final Process process =
                new ProcessBuilder(command).redirectError(log.toFile()).start();
        final CompletableFuture<String> readyLine = CompletableFuture.supplyAsync(() -> awaitLine(process, ready));
        try {
            return new ChildJvm(process, readyLine.get(timeout.toMillis(), TimeUnit.MILLISECONDS), mainClass);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IOException(mainClass + " did not start within " + timeout.toSeconds() + "s; see " + log, e);
        }
    }

    private static String awaitLine(Process process, Pattern ready) {
        final BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        try {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (ready.matcher(line).find()) {
                    // Keep draining its output, so that a chatty child never blocks on a full pipe.
                    final Thread drain = new Thread(() -> out.lines().forEach(unused -> {}), "child-stdout");
                    drain.setDaemon(true);
                    drain.start();
                    return line;
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the child's output", e);
        }
        throw new IllegalStateException("the child exited with code " + process.exitValue());
    }

    /**
     * The first group of {@code pattern} in the line that said the child was ready.
     */
    public String readyGroup(Pattern pattern) {
        final Matcher m = pattern.matcher(readyLine);
        if (!m.find()) {
            throw new IllegalStateException(name + " said '" + readyLine + "', which does not match " + pattern);
        }
        return m.group(1);
    }

    public long pid() {
        return process.pid();
    }

    /** Kills the child as {@code kill -9} does: no shutdown hook runs, nothing is deregistered. */
    public void kill() {
        process.destroyForcibly();
        awaitExit(Long.MAX_VALUE);
    }

    /** Asks the child to stop (SIGTERM), so that its shutdown hooks run; kills it after 15 seconds. */
    @Override
    public void close() {
        process.destroy();
        if (!awaitExit(15)) {
            kill();
        }
    }

    private boolean awaitExit(long seconds) {
        try {
            return process.waitFor(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            // Leave the child to be killed with this JVM; keep the interruption for whoever asked.
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return true;
        }
    }
}
