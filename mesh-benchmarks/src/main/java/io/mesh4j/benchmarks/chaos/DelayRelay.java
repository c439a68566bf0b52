package io.mesh4j.benchmarks.chaos;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The stand-in for {@code tc netem delay} on a kernel without netem: a TCP relay in the instance's namespace, which
 * an nftables {@code redirect} puts in front of the instance's port for every connection from outside, and which
 * holds each chunk the instance sends back for a delay drawn uniformly from {@code mean ± jitter}. It relays at
 * once while the delay is zero, so it stays in the path for the whole run and a delay starts and ends without
 * breaking a connection.
 *
 * <p>Unlike netem it keeps the order of a connection's bytes (a chunk never leaves before the one ahead of it, as
 * TCP over a reordering link would deliver them anyway) and delays only the instance's answers, not the
 * handshake or the requests: one direction, as netem on the instance's egress would.
 */
final class DelayRelay implements AutoCloseable {

    private final ServerSocket server;
    private final int targetPort;
    private volatile long meanNanos;
    private volatile long jitterNanos;

    private DelayRelay(ServerSocket server, int targetPort) {
        this.server = server;
        this.targetPort = targetPort;
    }

    /** Listens on {@code port} (every interface) and relays to {@code targetPort} on loopback. */
    static DelayRelay start(int port, int targetPort) throws IOException {
        final ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(port), 256);
        final DelayRelay relay = new DelayRelay(server, targetPort);
        daemon("relay-accept", relay::acceptLoop).start();
        return relay;
    }

    /** Holds every answer for {@code meanMillis ± jitterMillis} from now on; 0 relays at once. */
    void delay(long meanMillis, long jitterMillis) {
        jitterNanos = TimeUnit.MILLISECONDS.toNanos(Math.min(jitterMillis, meanMillis));
        meanNanos = TimeUnit.MILLISECONDS.toNanos(meanMillis);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                final Socket downstream = server.accept();
                final Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                downstream.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                daemon("relay-in", () -> pump(downstream, upstream)).start();
                final BlockingQueue<Chunk> answers = new LinkedBlockingQueue<>();
                daemon("relay-out-read", () -> readAnswers(upstream, downstream, answers))
                        .start();
                daemon("relay-out-write", () -> writeAnswers(answers, downstream, upstream))
                        .start();
            } catch (IOException e) {
                // The listener closed (the instance stops), or one connection could not reach the instance.
            }
        }
    }

    /** Requests: relayed as they come. */
    private static void pump(Socket from, Socket to) {
        final byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream()) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                out.write(buffer, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            closeBoth(from, to);
        }
    }

    private void readAnswers(Socket from, Socket to, BlockingQueue<Chunk> answers) {
        final byte[] buffer = new byte[16 * 1024];
        long lastDue = 0;
        try (InputStream in = from.getInputStream()) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                // Never before the chunk ahead of it: the bytes of one connection stay in order.
                lastDue = Math.max(lastDue, System.nanoTime() + nextDelay());
                answers.add(new Chunk(lastDue, Arrays.copyOf(buffer, n)));
            }
        } catch (IOException e) {
            closeBoth(from, to);
        }
        answers.add(Chunk.END);
    }

    private static void writeAnswers(BlockingQueue<Chunk> answers, Socket to, Socket from) {
        try (OutputStream out = to.getOutputStream()) {
            while (true) {
                final Chunk chunk = answers.take();
                if (chunk == Chunk.END) {
                    to.shutdownOutput();
                    return;
                }
                for (long wait = chunk.due - System.nanoTime(); wait > 0; wait = chunk.due - System.nanoTime()) {
                    LockSupport.parkNanos(wait);
                }
                out.write(chunk.bytes);
                out.flush();
            }
        } catch (IOException e) {
            closeBoth(from, to);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeBoth(from, to);
        }
    }

    private long nextDelay() {
        final long mean = meanNanos;
        if (mean == 0) {
            return 0;
        }
        final long jitter = jitterNanos;
        return mean - jitter + (jitter == 0 ? 0 : ThreadLocalRandom.current().nextLong(2 * jitter + 1));
    }

    private static void closeBoth(Socket a, Socket b) {
        try {
            a.close();
        } catch (IOException ignored) {
            // Closing anyway.
        }
        try {
            b.close();
        } catch (IOException ignored) {
            // Closing anyway.
        }
    }

    private static Thread daemon(String name, Runnable task) {
        final Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    /** Bytes to send at {@code due} ({@link System#nanoTime()}); {@link #END} once the instance closed. */
    private static final class Chunk {
        static final Chunk END = new Chunk(0, new byte[0]);

        final long due;
        final byte[] bytes;

        Chunk(long due, byte[] bytes) {
            this.due = due;
            this.bytes = bytes;
        }
    }
}
