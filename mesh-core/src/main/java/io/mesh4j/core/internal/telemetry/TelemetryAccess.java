package io.mesh4j.core.internal.telemetry;

import io.mesh4j.core.internal.InternalAccess;
import io.mesh4j.core.telemetry.MeshTelemetry;

/** What a {@link MeshTelemetry} hands to the stacks' layers that is not API. */
public final class TelemetryAccess {

    /** The mesh's meters, registered in the telemetry's meter registry. */
    public static final InternalAccess<MeshTelemetry, MeshMetrics> METRICS =
            InternalAccess.of(MeshTelemetry.class, "metrics");

    /** How trace context is read from and written to headers, by the telemetry's configuration. */
    public static final InternalAccess<MeshTelemetry, TracePropagation> PROPAGATION =
            InternalAccess.of(MeshTelemetry.class, "propagation");

    private TelemetryAccess() {}
}
