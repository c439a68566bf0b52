package io.mesh4j.core.admin;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Supplier;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.util.SafeCloseable;
import com.linecorp.armeria.server.Server;

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
 */
public final class AdminServer implements SafeCloseable {

    private static final MediaType PROMETHEUS_TEXT = MediaType.parse("text/plain; version=0.0.4; charset=utf-8");

    private final MeshTelemetry telemetry;
    private final Map<String, Supplier<?>> views = new ConcurrentSkipListMap<>();
    private final Server server;

    private AdminServer(Builder b) {
        telemetry = b.telemetry;
        server = Server.builder()
                .http(b.host != null ? new InetSocketAddress(b.host, b.port) : new InetSocketAddress(b.port))
                .service("/metrics", (ctx, req) -> HttpResponse.of(PROMETHEUS_TEXT, telemetry.scrape()))
                .service("/stacks", (ctx, req) -> HttpResponse.of(MediaType.PLAIN_TEXT_UTF_8, stacks()))
                .service("/healthz", (ctx, req) -> HttpResponse.of("ok\n"))
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
        return server.activeLocalPort(SessionProtocol.HTTP);
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
        return "AdminServer(port=" + (server.activePorts().isEmpty() ? "not started" : port()) + ')';
    }

    /** Builds an {@link AdminServer}; each setter has a default. */
    public static final class Builder {

        private final MeshTelemetry telemetry;
        private int port = 9990;
        private @org.jspecify.annotations.Nullable String host;

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
         * Sets the address to listen on, such as {@code 127.0.0.1}; every interface unless set.
         *
         * @param host a host name or IP address
         * @return this builder
         */
        public Builder host(String host) {
            this.host = requireNonNull(host, "host");
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
