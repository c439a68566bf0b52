package io.mesh4j.core.discovery;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/**
 * One registered instance of a service, as the registry hands it to the clients that watch the service.
 *
 * @param id the instance's id, unique within its service
 * @param host a host name or an IPv4 or IPv6 address (without brackets) where the instance listens
 * @param port the port it listens on, 1 to 65535
 * @param zone   the failure domain the instance runs in, empty when unknown; at most 63 letters, digits,
 *     {@code .}, {@code _} or {@code -}
 * @param weight relative share of traffic among the service's instances, 1 to 10000
 * @param metadata labels such as {@code version=v2}, which subsets select on; at most 64 entries, keys of 1 to 63
 *     letters, digits, {@code .}, {@code _}, {@code /} or {@code -}, values of at most 1024 characters; kept
 *     sorted by key
 */
public record Instance(InstanceId id, String host, int port, String zone, int weight, Map<String, String> metadata) {

    /**
     * Checks the components and copies the metadata.
     *
     * @param id see {@link #id()}
     * @param host see {@link #host()}
     * @param port see {@link #port()}
     * @param zone see {@link #zone()}
     * @param weight see {@link #weight()}
     * @param metadata see {@link #metadata()}
     * @throws NullPointerException if a component is {@code null}, or the metadata holds a {@code null}
     * @throws IllegalArgumentException naming the component that is out of its range
     */
    public Instance {
        requireNonNull(id, "id");
        InstanceFields.checkHost(host);
        InstanceFields.checkPort(port);
        InstanceFields.checkZone(zone);
        InstanceFields.checkWeight(weight);
        metadata = InstanceFields.checkMetadata(metadata);
    }
}
