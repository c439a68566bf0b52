/**
 * The golden-metric summaries a member reports to the registry: per caller, service and route, counts and a
 * mergeable latency histogram, filled by the telemetry that records the Prometheus meters and drained by a reporter.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.core.internal.summary;

import org.jspecify.annotations.NullMarked;
