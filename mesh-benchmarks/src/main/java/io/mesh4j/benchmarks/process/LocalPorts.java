package io.mesh4j.benchmarks.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

/**
 * Loopback ports for servers that cannot pick their own and report it, such as HAProxy.
 */
public final class LocalPorts {

    /** A port free now on 127.0.0.1; another process could take it before it is used, which is rare enough. */
    public static int free() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    /**
     * Waits until something accepts connections on {@code port} of 127.0.0.1.
     *
     * @throws IllegalStateException if nothing does within {@code timeout}, or {@code process} exits first
     */
    public static void awaitListening(int port, ChildProcess process, Duration timeout) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(
                            process + " exited before listening on " + port + "; see " + process.log());
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(process + " is not listening on " + port + " after "
                            + timeout.toSeconds() + " s; see " + process.log());
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
        }
    }

    private LocalPorts() {}
}
