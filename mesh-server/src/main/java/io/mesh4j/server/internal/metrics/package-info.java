/**
 * The inbound METRICS layer: per-route golden metrics of every request the service serves.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.server.internal.metrics;

import org.jspecify.annotations.NullMarked;
