package io.mesh4j.spring.autoconfigure;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import io.mesh4j.client.MeshClient;
import io.mesh4j.client.TcpForward;
import io.mesh4j.client.TcpForwardConfig;

/**
 * The application's TCP forwards, one per {@code mesh.tcp-forward.<service>}: each listens on its loopback port
 * from the start of the application context, and closes with it. Point a TCP service's ordinary client at
 * {@link #get(String)}'s address, or at the port the property fixed.
 *
 * <pre>{@code
 * mesh.tcp-forward.redis.port=6380     # then: new Jedis("127.0.0.1", 6380)
 * mesh.tcp-forward.redis.idle-timeout=10m
 * }</pre>
 */
public final class MeshTcpForwards implements AutoCloseable {

    private final Map<String, TcpForward> forwards = new LinkedHashMap<>();

    MeshTcpForwards(MeshClient client, Map<String, MeshProperties.TcpForward> properties) {
        requireNonNull(client, "client");
        try {
            properties.forEach((service, forward) -> forwards.put(service, open(client, service, forward)));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private static TcpForward open(MeshClient client, String service, MeshProperties.TcpForward forward) {
        final String prefix = "mesh.tcp-forward." + service + '.';
        final TcpForwardConfig.Builder config = TcpForwardConfig.builder();
        try {
            config.port(forward.getPort());
        } catch (IllegalArgumentException e) {
            throw new MeshConfigurationException(
                    prefix + "port",
                    String.valueOf(e.getMessage()),
                    "Choose a port from 0 to 65535, 0 for any free one.");
        }
        final @Nullable Duration idleTimeout = forward.getIdleTimeout();
        if (idleTimeout != null) {
            try {
                config.idleTimeout(idleTimeout);
            } catch (IllegalArgumentException e) {
                throw new MeshConfigurationException(
                        prefix + "idle-timeout",
                        String.valueOf(e.getMessage()),
                        "Set 0 for no idle timeout, or a duration of at least 100ms, such as 10m.");
            }
        }
        try {
            return client.tcpForward(service, config.build());
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new MeshConfigurationException(
                    prefix + "port",
                    String.valueOf(e.getMessage()),
                    "Name a service of the mesh (a DNS-1123 label) and a port from 0 to 65535, with TLS on "
                            + "(mesh.tls=true and a join token): a TCP service admits callers by their certificate.");
        } catch (RuntimeException e) {
            throw new MeshConfigurationException(
                    prefix + "port",
                    "cannot listen on port " + forward.getPort() + ": " + e.getMessage(),
                    "Choose a free port, or 0 for any free one.");
        }
    }

    /**
     * Returns the forward of {@code service}.
     *
     * @param service a service named in {@code mesh.tcp-forward}
     * @return its forward; {@code null} when the properties name no such service
     */
    public @Nullable TcpForward get(String service) {
        return forwards.get(service);
    }

    /**
     * Returns every forward, by service.
     *
     * @return an unmodifiable view
     */
    public Map<String, TcpForward> all() {
        return Collections.unmodifiableMap(forwards);
    }

    @Override
    public void close() {
        forwards.values().forEach(TcpForward::close);
    }
}
