package io.mesh4j.benchmarks.profile;

import java.nio.file.Path;

import io.mesh4j.benchmarks.process.Jcmd;

/**
 * A Java Flight Recorder recording of another JVM, started and stopped with {@code jcmd}, so that a profile
 * covers one phase of a benchmark and nothing else.
 */
public final class JfrRecording {

    private static final String NAME = "mesh4j-bench";

    private final long pid;
    private final Path file;

    private JfrRecording(long pid, Path file) {
        this.pid = pid;
        this.file = file;
    }

    /** Starts recording JVM {@code pid} with the JDK's {@code profile} settings (a stack sample every 10 ms). */
    public static JfrRecording start(long pid, Path file) {
        Jcmd.run(pid, "JFR.start", "name=" + NAME, "settings=profile", "filename=" + file);
        return new JfrRecording(pid, file);
    }

    /** The file the recording is written to when it stops. */
    public Path file() {
        return file;
    }

    /** Stops the recording, which writes it to its file, and reads it. */
    public JfrSummary stop() {
        Jcmd.run(pid, "JFR.stop", "name=" + NAME);
        return JfrSummary.read(file);
    }
}
