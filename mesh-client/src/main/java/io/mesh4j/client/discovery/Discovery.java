package io.mesh4j.client.discovery;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeMap;

import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.endpoint.EndpointGroup;

import io.mesh4j.client.internal.discovery.RegistryDiscovery;
import io.mesh4j.client.internal.discovery.StaticDiscovery;
import io.mesh4j.core.discovery.ServiceName;

/**
 * Where the endpoints of a called service come from: one abstraction for every backend, chosen per service with
 * {@code MeshClientBuilder.discovery(..)} or the {@code mesh.services.<service>.discovery} property. The balancer,
 * breakers, retries and telemetry do not know which backend fed them.
 *
 * <pre>{@code
 * MeshClient mesh = MeshClient.builder(registryUri).identity(identity)
 *         .discovery("legacy", Discovery.staticList("10.0.0.7:8080,10.0.0.8:8080"), PeerTransport.PLAINTEXT)
 *         .discovery("search", Discovery.parse("dns:search.internal.example:8080"), PeerTransport.TLS)
 *         .build();
 * }</pre>
 *
 * <p>A backend other than the registry knows addresses, not identities: its endpoints are taken for mesh members
 * (mTLS, the server's SPIFFE ID checked) unless the service is given another {@link PeerTransport}.
 */
public interface Discovery {

    /**
     * The mesh registry, watched with long polls: the default of every service.
     *
     * @return the registry backend
     */
    static Discovery registry() {
        return RegistryDiscovery.INSTANCE;
    }

    /**
     * A fixed list of endpoints, for tests and hosts that never move.
     *
     * @param hostPorts comma-separated {@code host:port}, such as {@code 10.0.0.7:8080,[::1]:8080,legacy.example:80}
     * @return the static backend
     * @throws IllegalArgumentException if the list is empty or an entry has no valid host and port
     */
    static Discovery staticList(String hostPorts) {
        return StaticDiscovery.parse(requireNonNull(hostPorts, "hostPorts"));
    }

    /**
     * A fixed list of endpoints.
     *
     * @param endpoints endpoints with a port each
     * @return the static backend
     * @throws IllegalArgumentException if the list is empty or an endpoint has no port
     */
    static Discovery staticList(List<Endpoint> endpoints) {
        return StaticDiscovery.of(requireNonNull(endpoints, "endpoints"));
    }

    /**
     * The A and AAAA records of {@code hostname}, re-resolved as their TTL runs out; see {@link DnsDiscovery}.
     *
     * @param hostname such as {@code search.internal.example}
     * @param port the port every address serves on
     * @return the DNS backend, with the system's DNS servers
     */
    static Discovery dns(String hostname, int port) {
        return DnsDiscovery.address(hostname, port).build();
    }

    /**
     * Parses a spec as the {@code mesh.services.<service>.discovery} property holds it:
     * <ul>
     *   <li>{@code registry}: the mesh registry (the default);</li>
     *   <li>{@code static:host:port,host:port}: a fixed list;</li>
     *   <li>{@code dns:hostname:port}: A/AAAA records, re-resolved on their TTL;</li>
     *   <li>{@code dns+srv:_service._proto.name}: SRV records, each with its own port and weight;</li>
     *   <li>{@code kubernetes:service.namespace:portName}: the Service's EndpointSlices (with the
     *       {@code mesh-kubernetes} module on the class path), and any other scheme a module brings as a
     *       {@link DiscoveryScheme}.</li>
     * </ul>
     *
     * @param spec the spec
     * @return the backend it names
     * @throws IllegalArgumentException naming what is wrong and how to write it
     */
    static Discovery parse(String spec) {
        requireNonNull(spec, "spec");
        final String trimmed = spec.trim();
        if (trimmed.equals("registry")) {
            return registry();
        }
        final int colon = trimmed.indexOf(':');
        final String scheme = colon < 0 ? trimmed : trimmed.substring(0, colon);
        final String rest = colon < 0 ? "" : trimmed.substring(colon + 1);
        switch (scheme) {
            case "static":
                return StaticDiscovery.parse(rest);
            case "dns":
                return DnsDiscovery.parseAddress(rest);
            case "dns+srv":
                return DnsDiscovery.parseSrv(rest);
            default:
                break;
        }
        final TreeMap<String, DiscoveryScheme> known = new TreeMap<>();
        for (DiscoveryScheme other : ServiceLoader.load(DiscoveryScheme.class, Discovery.class.getClassLoader())) {
            known.put(other.scheme(), other);
        }
        final DiscoveryScheme other = known.get(scheme);
        if (other != null) {
            return other.parse(rest);
        }
        final List<String> syntaxes = new ArrayList<>(
                List.of("registry", "static:host:port,host:port", "dns:hostname:port", "dns+srv:_service._proto.name"));
        known.values().forEach(s -> syntaxes.add(s.syntax()));
        final String hint = scheme.equals("kubernetes") || scheme.equals("k8s")
                ? " (kubernetes: add the io.mesh4j:mesh-kubernetes module to the class path)"
                : "";
        throw new IllegalArgumentException("discovery '" + spec + "': unknown scheme '" + scheme + "'" + hint
                + " (expected one of: " + String.join(", ", syntaxes) + ')');
    }

    /**
     * Starts discovering the endpoints of {@code service}. The mesh client calls it once per service, on the
     * service's first call, and closes the group when it stops. An empty group is fine: calls wait for an endpoint
     * up to their timeout.
     *
     * @param service the service called
     * @return a group kept current by this backend
     */
    EndpointGroup newEndpointGroup(ServiceName service);

    /**
     * The backend's kind, as metrics and logs name it: {@code registry}, {@code static}, {@code dns},
     * {@code kubernetes}...
     *
     * @return a lower-case word
     */
    String kind();
}
