/**
 * The inbound METRICS layer: per-route golden metrics of every request the service serves.
 */
@NullMarked
package io.mesh4j.server.metrics;

import org.jspecify.annotations.NullMarked;
