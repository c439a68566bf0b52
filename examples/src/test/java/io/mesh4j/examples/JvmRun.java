package io.mesh4j.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A main class run to its end in a child JVM with this JVM's class path, within a time limit. Its output goes to a
 * file, not a pipe, so that a child that never exits (or a grandchild that keeps the pipe open) cannot hang the
 * test: past the limit the test gets the output so far and the thread dumps of the child and its descendants,
 * then they are killed.
 */
record JvmRun(int exitCode, String output, boolean timedOut) {

    static JvmRun run(String mainClass, List<String> args, Duration limit) throws IOException, InterruptedException {
        final Path log = Files.createTempFile("mesh4j-run-", ".log");
        try {
            final List<String> command = new ArrayList<>(
                    List.of(ExternalProcess.java(), "-cp", System.getProperty("java.class.path"), mainClass));
            command.addAll(args);
            final Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            if (process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                return new JvmRun(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8), false);
            }
            final StringBuilder dumps = new StringBuilder();
            final List<ProcessHandle> all = new ArrayList<>();
            all.add(process.toHandle());
            process.descendants().forEach(all::add);
            for (ProcessHandle handle : all) {
                dumps.append("\n==== threads of pid ")
                        .append(handle.pid())
                        .append(' ')
                        .append(handle.info().commandLine().orElse("?"))
                        .append('\n')
                        .append(threadDump(handle.pid()));
            }
            all.forEach(ProcessHandle::destroyForcibly);
            process.waitFor(10, TimeUnit.SECONDS);
            return new JvmRun(-1, Files.readString(log, StandardCharsets.UTF_8) + dumps, true);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** What {@code jcmd <pid> Thread.print} says, from this JVM's own JDK. */
    private static String threadDump(long pid) throws IOException, InterruptedException {
        final Path jcmd = Path.of(ExternalProcess.java()).resolveSibling("jcmd");
        final Path dump = Files.createTempFile("mesh4j-threads-", ".txt");
        try {
            final Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "Thread.print")
                    .redirectErrorStream(true)
                    .redirectOutput(dump.toFile())
                    .start();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            return Files.readString(dump, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(dump);
        }
    }
}
