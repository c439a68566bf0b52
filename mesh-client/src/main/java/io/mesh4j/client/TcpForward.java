package io.mesh4j.client;

import java.net.InetSocketAddress;

import io.mesh4j.core.discovery.ServiceName;

/**
 * A loopback port whose connections go through the mesh to a TCP service, such as a Redis or a PostgreSQL that
 * joined the mesh with {@code MeshServerBuilder.tcp(..)}: point the service's ordinary client at {@link #address()}.
 * Each connection accepted there is balanced once, to an instance of the service the registry knows, over mTLS with
 * this workload's certificate, the instance's checked to be {@code spiffe://<trust-domain>/svc/<service>}; a connect
 * that fails (refused, timed out, a handshake that fails) is tried on another instance, never the bytes, and counts
 * as a failure in that instance's circuit breaker, the one the service's calls are judged in: an instance whose
 * breaker is open gets no connection until it half-opens. When an instance leaves, its open connections go on until
 * either end closes them, and new ones go to the others. A connection that carries no byte for the
 * {@linkplain TcpForwardConfig#idleTimeout() idle timeout} (1 hour unless set) is closed, both its ends.
 *
 * <pre>{@code
 * try (TcpForward redis = mesh.tcpForward("redis")) {
 *     Jedis jedis = new Jedis(redis.address().getHostString(), redis.address().getPort());
 *     jedis.set("k", "v");
 * }
 * }</pre>
 */
public interface TcpForward extends AutoCloseable {

    /**
     * Returns the service the connections go to.
     *
     * @return the service
     */
    ServiceName service();

    /**
     * Returns the loopback address to connect to.
     *
     * @return {@code 127.0.0.1} and the port listened on
     */
    InetSocketAddress address();

    /**
     * Returns the settings this forward was opened with.
     *
     * @return its port as asked (0 for any free one), connect timeout and idle timeout
     */
    TcpForwardConfig config();

    /**
     * Returns how many connections through this forward are open now.
     *
     * @return the count of piped connections
     */
    int openConnections();

    /** Stops accepting and closes the connections still open through this forward. */
    @Override
    void close();
}
