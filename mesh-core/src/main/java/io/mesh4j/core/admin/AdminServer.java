package io.mesh4j.core.admin;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.util.SafeCloseable;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerPort;

import io.mesh4j.core.internal.BossGroups;
import io.mesh4j.core.telemetry.MeshTelemetry;

/**
 * The admin endpoint of a mesh process, on a port of its own so that it never passes the mesh's stacks and can
 * be kept off the service's network:
 * <ul>
 *   <li>{@code GET /metrics}: every metric of the process's {@link MeshTelemetry}, Prometheus text format;</li>
 *   <li>{@code GET /stacks}: the live views registered with {@link #show(String, Supplier)}, such as the
 *       server's and the clients' stacks, as their {@code toString()} prints them now;</li>
 *   <li>{@code GET /healthz}: 200 while the process serves.</li>
 * </ul>
 * A {@code MeshServer} with an admin port starts one; a process that only calls other services starts its own:
 * <pre>{@code
 * AdminServer admin = AdminServer.builder(telemetry).port(9990).build();
 * admin.show("client", mesh::toString);
 * admin.start();
 * }</pre>
 *
 * <p>It listens on {@code 127.0.0.1} unless {@link Builder#address(InetAddress)} says otherwise, and asks no
 * credentials: {@code /stacks} shows how the process is wired and {@code /metrics} whom it talks to, which is for
 * its operators, not for anyone on the network. A Prometheus on another host needs the address of an interface
 * it can reach, chosen explicitly.
 */
public final class AdminServer implements SafeCloseable {

    private static final MediaType PROMETHEUS_TEXT = MediaType.parse("text/plain; version=0.0.4; charset=utf-8");

    /**
     * {@code 127.0.0.1}, the default address: IPv4 whatever {@code java.net.preferIPv6Addresses} says, so that a
     * scrape of {@code 127.0.0.1:<port>} on the same machine always reaches it.
     */
    static final InetAddress LOOPBACK = ipv4Loopback();

    private final MeshTelemetry telemetry;
    private final Map<String, Supplier<?>> views = new ConcurrentSkipListMap<>();
    private final List<Supplier<? extends @Nullable String>> healthDetails = new CopyOnWriteArrayList<>();
    private final Server server;

    private AdminServer(Builder b) {
        telemetry = b.telemetry;
        server = Server.builder()
                .http(new InetSocketAddress(b.address, b.port))
                .service("/metrics", (ctx, req) -> HttpResponse.of(PROMETHEUS_TEXT, telemetry.scrape()))
                .service("/stacks", (ctx, req) -> HttpResponse.of(MediaType.PLAIN_TEXT_UTF_8, stacks()))
                .service("/healthz", (ctx, req) -> HttpResponse.of(MediaType.PLAIN_TEXT_UTF_8, health()))
                .service(
                        "/",
                        (ctx, req) -> HttpResponse.of(
                                MediaType.PLAIN_TEXT_UTF_8,
                                "/metrics  Prometheus metrics\n"
                                        + "/stacks   the live stacks\n"
                                        + "/healthz  200 while serving\n"))
                .gracefulShutdownTimeout(Duration.ZERO, Duration.ofSeconds(1))
                .bossGroupFactory(BossGroups::newBossGroup)
                .build();
    }

    private static InetAddress ipv4Loopback() {
        try {
            return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new AssertionError("four bytes are an IPv4 address", e);
        }
    }

    /**
     * Returns a builder of an admin endpoint that serves the metrics of {@code telemetry}.
     *
     * @param telemetry the telemetry whose registry {@code /metrics} scrapes
     * @return a new builder
     */
    public static Builder builder(MeshTelemetry telemetry) {
        return new Builder(requireNonNull(telemetry, "telemetry"));
    }

    /**
     * Shows {@code view}'s {@code toString()} under {@code name} at {@code /stacks}, read anew at every request.
     * Views are listed by name; a second view of the same name replaces the first. May be called before or after
     * {@link #start()}.
     *
     * @param name the line's label, such as {@code "client"}
     * @param view what to print, such as {@code mesh::stack}
     * @return this admin server
     */
    public AdminServer show(String name, Supplier<?> view) {
        views.put(requireNonNull(name, "name"), requireNonNull(view, "view"));
        return this;
    }

    /**
     * Adds {@code detail} to the body of {@code /healthz}, a line after {@code ok} whenever it says something, such
     * as {@code running from last-known-good state of 2026-12-07T02:40:00Z}. It stays 200: what a detail says is
     * for the operator, not a reason to take the process out.
     *
     * @param detail read at every request; {@code null} or empty when it has nothing to say
     * @return this admin server
     */
    public AdminServer healthDetail(Supplier<? extends @Nullable String> detail) {
        healthDetails.add(requireNonNull(detail, "detail"));
        return this;
    }

    private String health() {
        final StringBuilder buf = new StringBuilder("ok\n");
        for (Supplier<? extends @Nullable String> detail : healthDetails) {
            final @Nullable String line = detail.get();
            if (line != null && !line.isEmpty()) {
                buf.append(line).append('\n');
            }
        }
        return buf.toString();
    }

    private String stacks() {
        final StringBuilder buf = new StringBuilder();
        views.forEach(
                (name, view) -> buf.append(name).append(": ").append(view.get()).append('\n'));
        return buf.toString();
    }

    /**
     * Starts listening and waits until it does.
     *
     * @return this admin server
     * @throws java.util.concurrent.CompletionException if the port cannot be bound
     */
    public AdminServer start() {
        server.start().join();
        return this;
    }

    /**
     * Returns the port the admin endpoint listens on; the one the system chose for port 0.
     *
     * @return the port
     * @throws IllegalStateException if the admin server is not listening
     */
    public int port() {
        // Not Armeria's activeLocalPort(), which knows only ports on loopback and wildcard addresses.
        return address().getPort();
    }

    /**
     * Returns the address and port the admin endpoint listens on, such as {@code 127.0.0.1:9990}.
     *
     * @return the bound socket address
     * @throws IllegalStateException if the admin server is not listening
     */
    public InetSocketAddress address() {
        final @Nullable ServerPort active = server.activePort(SessionProtocol.HTTP);
        if (active == null) {
            throw new IllegalStateException("the admin server is not listening (expected: start() first)");
        }
        return active.localAddress();
    }

    /**
     * Returns the telemetry whose metrics {@code /metrics} serves.
     *
     * @return the telemetry given to {@link #builder(MeshTelemetry)}
     */
    public MeshTelemetry telemetry() {
        return telemetry;
    }

    /**
     * Stops listening; completes once the port is closed. It leaves the telemetry open.
     *
     * @return a future that completes once stopped
     */
    public CompletableFuture<Void> stop() {
        return server.stop().thenApply(unused -> null);
    }

    /** Stops listening and waits until the port is closed. */
    @Override
    public void close() {
        stop().join();
    }

    @Override
    public String toString() {
        return "AdminServer(" + (server.activePorts().isEmpty() ? "not started" : address()) + ')';
    }

    /** Builds an {@link AdminServer}; each setter has a default. */
    public static final class Builder {

        private final MeshTelemetry telemetry;
        private int port = 9990;
        private InetAddress address = LOOPBACK;

        private Builder(MeshTelemetry telemetry) {
            this.telemetry = telemetry;
        }

        /**
         * Sets the port to listen on; 9990 (Linkerd's admin port) unless set, 0 for any free one.
         *
         * @param port 0 to 65535
         * @return this builder
         * @throws IllegalArgumentException if {@code port} is out of range
         */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port: " + port + " (expected: 0..65535, 0 for any free port)");
            }
            this.port = port;
            return this;
        }

        /**
         * Sets the address to listen on; {@code 127.0.0.1} unless set, so that only this machine reaches the
         * endpoint. Give the address of an interface that a Prometheus on another host can reach, or the wildcard
         * address ({@code 0.0.0.0}) for every interface, only where the network keeps others off that port: the
         * endpoint asks no credentials.
         *
         * @param address an address of this machine
         * @return this builder
         */
        public Builder address(InetAddress address) {
            this.address = requireNonNull(address, "address");
            return this;
        }

        /**
         * Returns an admin server that is not listening yet: call {@link AdminServer#start()}.
         *
         * @return a new admin server
         */
        public AdminServer build() {
            return new AdminServer(this);
        }
    }
}
