/**
 * Telemetry setup both sides share: OpenTelemetry tracing with strict header propagation, Micrometer metrics with
 * bounded labels, and the exporters. Start from {@link io.mesh4j.core.telemetry.TelemetryConfig} and
 * {@link io.mesh4j.core.telemetry.MeshTelemetry}.
 */
@NullMarked
package io.mesh4j.core.telemetry;

import org.jspecify.annotations.NullMarked;
