package io.mesh4j.client.discovery;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a {@link DnsDiscovery}.
 */
public final class DnsDiscoveryBuilder {

    final String name;
    final int port;
    final boolean srv;
    final List<InetSocketAddress> servers = new ArrayList<>();
    int minTtlSeconds = 1;
    int maxTtlSeconds = 300;

    DnsDiscoveryBuilder(String name, int port, boolean srv) {
        this.name = name;
        this.port = port;
        this.srv = srv;
    }

    /**
     * The DNS servers to ask; the system's ({@code /etc/resolv.conf}) unless set.
     *
     * @param servers the servers, asked in order
     * @return this builder
     */
    public DnsDiscoveryBuilder serverAddresses(InetSocketAddress... servers) {
        for (InetSocketAddress server : requireNonNull(servers, "servers")) {
            this.servers.add(requireNonNull(server, "server"));
        }
        return this;
    }

    /**
     * Bounds the records' TTL: a record is asked again after its TTL, but no sooner than {@code minSeconds} and no
     * later than {@code maxSeconds}; 1 and 300 unless set.
     *
     * @param minSeconds at least 1
     * @param maxSeconds at least {@code minSeconds}
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public DnsDiscoveryBuilder ttl(int minSeconds, int maxSeconds) {
        if (minSeconds < 1 || maxSeconds < minSeconds) {
            throw new IllegalArgumentException(
                    "ttl: " + minSeconds + ".." + maxSeconds + " (expected: 1 <= min <= max seconds)");
        }
        minTtlSeconds = minSeconds;
        maxTtlSeconds = maxSeconds;
        return this;
    }

    /**
     * Builds the backend. It resolves nothing until a client calls the service.
     *
     * @return a new backend
     */
    public DnsDiscovery build() {
        return new DnsDiscovery(this);
    }
}
