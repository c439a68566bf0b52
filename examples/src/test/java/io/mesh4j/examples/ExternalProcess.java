package io.mesh4j.examples;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real server of another project (Zipkin, Prometheus) run by a test as a child process on loopback, its output
 * in a log file, stopped with the test.
 */
final class ExternalProcess implements AutoCloseable {

    private final Process process;
    private final Path log;

    private ExternalProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static ExternalProcess start(List<String> command, Path log) throws IOException {
        final Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new ExternalProcess(process, log);
    }

    /** The java of this JVM, to run a runnable jar with. */
    static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /**
     * A loopback port free now. The server started on it next may, rarely, find it taken by then: the price of
     * servers that cannot report the port they chose.
     */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    /** Kills it as {@code kill -9} would: it answers nothing more, and its connections are reset. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(15, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(15, TimeUnit.SECONDS);
        }
    }
}
