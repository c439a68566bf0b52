package io.mesh4j.client;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * The settings of one {@link TcpForward}: its loopback port, how long a connect to an instance may take, and how long
 * a connection may stay idle.
 *
 * <pre>{@code
 * TcpForward redis = mesh.tcpForward("redis", TcpForwardConfig.builder()
 *         .port(6380)
 *         .idleTimeout(Duration.ofMinutes(10))
 *         .build());
 * }</pre>
 */
public final class TcpForwardConfig {

    private static final TcpForwardConfig DEFAULTS = builder().build();

    private final int port;
    private final Duration connectTimeout;
    private final Duration idleTimeout;

    private TcpForwardConfig(Builder b) {
        port = b.port;
        connectTimeout = b.connectTimeout;
        idleTimeout = b.idleTimeout;
    }

    /**
     * Returns the defaults: any free port, a connect timeout of 3 seconds, an idle timeout of 1 hour.
     *
     * @return the defaults
     */
    public static TcpForwardConfig ofDefaults() {
        return DEFAULTS;
    }

    /**
     * Returns a builder whose every setting starts at its default.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the loopback port listened on.
     *
     * @return 0 to 65535, 0 for any free one; 0 unless set
     */
    public int port() {
        return port;
    }

    /**
     * Returns how long the connect and TLS handshake to one instance may take before the connection tries another.
     *
     * @return 3 seconds unless set
     */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /**
     * Returns how long a connection may carry no byte, either way, before the forward closes it.
     *
     * @return 1 hour unless set; zero for none
     */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    @Override
    public String toString() {
        return "TcpForwardConfig(port=" + port + ", connectTimeout=" + connectTimeout + ", idleTimeout=" + idleTimeout
                + ')';
    }

    /** Builds a {@link TcpForwardConfig}; every setter has a default, those of {@link #ofDefaults()}. */
    public static final class Builder {

        /** The longest connect timeout; anything longer is surely a mistake. */
        private static final Duration MAX_CONNECT_TIMEOUT = Duration.ofHours(1);

        /** The shortest idle timeout: below it a connection is closed between two packets of one exchange. */
        private static final Duration MIN_IDLE_TIMEOUT = Duration.ofMillis(100);

        private int port;
        private Duration connectTimeout = Duration.ofSeconds(3);
        private Duration idleTimeout = Duration.ofHours(1);

        private Builder() {}

        /**
         * Sets the loopback port to listen on; any free one unless set.
         *
         * @param port 0 to 65535, 0 for any free one
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port: " + port + " (expected: 0..65535, 0 for any free port)");
            }
            this.port = port;
            return this;
        }

        /**
         * Sets how long the connect and TLS handshake to one instance may take; one that takes longer counts as a
         * failure of that instance (for its breaker too) and the connection tries another. 3 seconds unless set.
         *
         * @param connectTimeout 1 ms to 1 hour
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder connectTimeout(Duration connectTimeout) {
            requireNonNull(connectTimeout, "connectTimeout");
            if (connectTimeout.toMillis() < 1 || connectTimeout.compareTo(MAX_CONNECT_TIMEOUT) > 0) {
                throw new IllegalArgumentException("connectTimeout: " + connectTimeout
                        + " (expected: 1 ms to 1 hour, such as Duration.ofSeconds(3))");
            }
            this.connectTimeout = connectTimeout;
            return this;
        }

        /**
         * Sets how long a connection may carry no byte, either way, before the forward closes it, both the local
         * connection and the one to the instance, as Istio's TCP proxy does; 1 hour unless set. Counted as
         * {@code mesh.client.tcp.connections} with {@code outcome=closed, reason=idle}. The TCP service has an idle
         * timeout of its own; the shorter one closes the connection.
         *
         * @param idleTimeout zero for none, else at least 100 ms
         * @return this builder
         * @throws IllegalArgumentException if negative, or above zero and below 100 ms
         */
        public Builder idleTimeout(Duration idleTimeout) {
            requireNonNull(idleTimeout, "idleTimeout");
            if (idleTimeout.isNegative() || (!idleTimeout.isZero() && idleTimeout.compareTo(MIN_IDLE_TIMEOUT) < 0)) {
                throw new IllegalArgumentException("idleTimeout: " + idleTimeout
                        + " (expected: 0 for no idle timeout, or >= 100 ms, such as Duration.ofMinutes(10))");
            }
            this.idleTimeout = idleTimeout;
            return this;
        }

        /**
         * Builds the config.
         *
         * @return a new config
         */
        public TcpForwardConfig build() {
            return new TcpForwardConfig(this);
        }
    }
}
