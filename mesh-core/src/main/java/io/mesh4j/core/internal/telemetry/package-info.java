/**
 * The mesh's meters, trace propagation and span attributes, shared by the client and server stacks.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.core.internal.telemetry;

import org.jspecify.annotations.NullMarked;
