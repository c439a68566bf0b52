/**
 * The inbound TRACING layer: trace context read from the caller, one server span per request, current on every thread of the request's context.
 */
@NullMarked
package io.mesh4j.server.tracing;

import org.jspecify.annotations.NullMarked;
