/**
 * The inbound TRACING layer: trace context read from the caller, one server span per request, current on every thread of the request's context.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.server.internal.tracing;

import org.jspecify.annotations.NullMarked;
