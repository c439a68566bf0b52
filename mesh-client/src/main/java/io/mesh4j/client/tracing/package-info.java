/**
 * The outbound TRACING layer: one client span per call, with its attempts as events, and the trace context written into the request.
 */
@NullMarked
package io.mesh4j.client.tracing;

import org.jspecify.annotations.NullMarked;
