package io.mesh4j.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A backend for the TCP tests, on a loopback port: it counts the connections it accepts and the bytes it reads,
 * echoes every byte back, and when its peer ends its side (half-close) answers {@code "end after N bytes"} and
 * closes. A connection the mesh refuses must leave both counts at zero.
 */
final class TcpBackend implements AutoCloseable {

    private final ServerSocket socket;
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicInteger ended = new AtomicInteger();
    private final Thread acceptor;

    TcpBackend() throws IOException {
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::acceptAll, "tcp-backend-" + socket.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), socket.getLocalPort());
    }

    int accepted() {
        return accepted.get();
    }

    /** How many connections have ended: their peer closed or ended its side, or they failed. */
    int ended() {
        return ended.get();
    }

    long bytesRead() {
        return bytesRead.get();
    }

    private void acceptAll() {
        while (!socket.isClosed()) {
            try {
                final Socket connection = socket.accept();
                accepted.incrementAndGet();
                final Thread echo = new Thread(() -> echo(connection), "tcp-backend-echo");
                echo.setDaemon(true);
                echo.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void echo(Socket connection) {
        try (connection;
                InputStream in = connection.getInputStream();
                OutputStream out = connection.getOutputStream()) {
            final byte[] buffer = new byte[8192];
            long total = 0;
            int read;
            while ((read = in.read(buffer)) >= 0) {
                bytesRead.addAndGet(read);
                total += read;
                out.write(buffer, 0, read);
                out.flush();
            }
            out.write(("end after " + total + " bytes").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            // The peer went away: nothing to answer.
        } finally {
            ended.incrementAndGet();
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
