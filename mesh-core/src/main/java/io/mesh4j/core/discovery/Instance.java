package io.mesh4j.core.discovery;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/**
 * One registered instance of a service, as the registry hands it to the clients that watch the service.
 *
 * @param weight relative share of traffic among the service's instances, 1 to 10000
 * @param zone   the failure domain the instance runs in, empty when unknown
 */
public record Instance(InstanceId id, String host, int port, String zone, int weight, Map<String, String> metadata) {

    public Instance {
        requireNonNull(id, "id");
        InstanceFields.checkHost(host);
        InstanceFields.checkPort(port);
        InstanceFields.checkZone(zone);
        InstanceFields.checkWeight(weight);
        metadata = InstanceFields.checkMetadata(metadata);
    }
}
