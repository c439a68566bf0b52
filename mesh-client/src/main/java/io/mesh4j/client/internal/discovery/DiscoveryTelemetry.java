package io.mesh4j.client.internal.discovery;

import com.linecorp.armeria.client.endpoint.EndpointGroup;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.micrometer.core.instrument.Gauge;

/**
 * The gauge that says, per called service, which discovery backend feeds it, whether its endpoints are mesh members,
 * and how many endpoints it reports: {@code mesh_client_discovery_endpoints{service, backend, mesh_member}}. Call
 * metrics keep their labels; join on {@code service} to split them by membership.
 */
public final class DiscoveryTelemetry {

    private DiscoveryTelemetry() {}

    /** Registers the gauge of {@code service}, which follows {@code group} while the group lives. */
    public static void register(
            MeshTelemetry telemetry, ServiceName service, DiscoveryChoice choice, EndpointGroup group) {
        Gauge.builder(
                        "mesh.client.discovery.endpoints",
                        group,
                        g -> g.endpoints().size())
                .description("Endpoints of a called service, by discovery backend and mesh membership")
                .tag("service", service.value())
                .tag("backend", choice.discovery().kind())
                .tag("mesh_member", Boolean.toString(choice.transport().isMeshMember()))
                .register(telemetry.meterRegistry());
    }
}
