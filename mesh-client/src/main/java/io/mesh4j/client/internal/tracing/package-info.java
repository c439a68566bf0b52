/**
 * The outbound TRACING layer: one client span per call, with its attempts as events, and the trace context written into the request.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.client.internal.tracing;

import org.jspecify.annotations.NullMarked;
