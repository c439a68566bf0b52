package io.mesh4j.core.internal.telemetry;

import java.util.Optional;

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

    /**
     * How a layer starts a span that goes nowhere, as a non-recording span with the SDK's ids and sampling
     * decision; empty when the telemetry exports its spans or makes them with the application's OpenTelemetry.
     */
    public static final InternalAccess<MeshTelemetry, Optional<UnexportedSpans>> UNEXPORTED =
            InternalAccess.of(MeshTelemetry.class, "unexported");

    private TelemetryAccess() {}
}
