package io.mesh4j.client.discovery;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.util.List;

import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.client.endpoint.dns.DnsAddressEndpointGroup;
import com.linecorp.armeria.client.endpoint.dns.DnsServiceEndpointGroup;

import io.mesh4j.core.discovery.ServiceName;

/**
 * Endpoints from DNS, resolved by Armeria's DNS endpoint groups: the A and AAAA records of a host name on one port
 * ({@link #address}), or the SRV records of a name, each with its own host, port and weight ({@link #srv}). The
 * records are asked again when their TTL runs out (within the builder's bounds); a failed lookup keeps the
 * endpoints of the last answer. For headless Kubernetes services and services outside the mesh.
 *
 * <pre>{@code
 * Discovery search = DnsDiscovery.address("search.internal.example", 8080).build();
 * Discovery ledger = DnsDiscovery.srv("_http._tcp.ledger.internal.example").ttl(5, 60).build();
 * }</pre>
 */
public final class DnsDiscovery implements Discovery {

    private final String name;
    private final int port;
    private final boolean srv;
    private final List<InetSocketAddress> servers;
    private final int minTtlSeconds;
    private final int maxTtlSeconds;

    DnsDiscovery(DnsDiscoveryBuilder b) {
        name = b.name;
        port = b.port;
        srv = b.srv;
        servers = List.copyOf(b.servers);
        minTtlSeconds = b.minTtlSeconds;
        maxTtlSeconds = b.maxTtlSeconds;
    }

    /**
     * A builder of the A/AAAA backend of {@code hostname}.
     *
     * @param hostname such as {@code search.internal.example}
     * @param port the port every address serves on, 1 to 65535
     * @return a new builder
     * @throws IllegalArgumentException if the port is out of range or the host name empty
     */
    public static DnsDiscoveryBuilder address(String hostname, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
        }
        return new DnsDiscoveryBuilder(checkName(hostname), port, false);
    }

    /**
     * A builder of the SRV backend of {@code name}.
     *
     * @param name such as {@code _http._tcp.ledger.internal.example}
     * @return a new builder
     * @throws IllegalArgumentException if the name is empty
     */
    public static DnsDiscoveryBuilder srv(String name) {
        return new DnsDiscoveryBuilder(checkName(name), 0, true);
    }

    private static String checkName(String name) {
        requireNonNull(name, "name");
        if (name.isBlank() || name.contains(":") || name.contains("/") || name.contains(",")) {
            throw new IllegalArgumentException(
                    "DNS name: '" + name + "' (expected: a host name such as " + "search.internal.example)");
        }
        return name;
    }

    /** {@code hostname:port}, the rest of a {@code dns:} spec. */
    static Discovery parseAddress(String rest) {
        final int colon = rest.lastIndexOf(':');
        if (colon <= 0 || colon == rest.length() - 1) {
            throw new IllegalArgumentException("discovery 'dns:" + rest
                    + "': no port (expected: dns:hostname:port, such as " + "dns:search.internal.example:8080)");
        }
        final int port;
        try {
            port = Integer.parseInt(rest.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("discovery 'dns:" + rest + "': port '" + rest.substring(colon + 1)
                    + "' is not a number (expected: dns:hostname:port, such as dns:search.internal.example:8080)");
        }
        try {
            return address(rest.substring(0, colon), port).build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("discovery 'dns:" + rest + "': " + e.getMessage(), e);
        }
    }

    /** {@code _service._proto.name}, the rest of a {@code dns+srv:} spec. */
    static Discovery parseSrv(String rest) {
        try {
            return srv(rest).build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "discovery 'dns+srv:" + rest + "': " + e.getMessage()
                            + " (expected: dns+srv:_service._proto.name, such as dns+srv:_http._tcp.ledger.example)",
                    e);
        }
    }

    @Override
    public EndpointGroup newEndpointGroup(ServiceName service) {
        if (srv) {
            final var builder = DnsServiceEndpointGroup.builder(name).ttl(minTtlSeconds, maxTtlSeconds);
            if (!servers.isEmpty()) {
                builder.serverAddresses(servers);
            }
            return builder.build();
        }
        final var builder = DnsAddressEndpointGroup.builder(name).port(port).ttl(minTtlSeconds, maxTtlSeconds);
        if (!servers.isEmpty()) {
            builder.serverAddresses(servers);
        }
        return builder.build();
    }

    @Override
    public String kind() {
        return "dns";
    }

    @Override
    public String toString() {
        return srv ? "dns+srv:" + name : "dns:" + name + ':' + port;
    }
}
