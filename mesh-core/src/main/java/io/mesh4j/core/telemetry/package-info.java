/**
 * Telemetry setup both sides share: OpenTelemetry tracing with strict header propagation, Micrometer metrics with bounded labels, and the exporters.
 */
@NullMarked
package io.mesh4j.core.telemetry;

import org.jspecify.annotations.NullMarked;
