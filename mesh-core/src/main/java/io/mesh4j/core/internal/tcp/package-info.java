/**
 * Raw TCP through the mesh: holding a connection's first bytes until it is authorized and connected, piping bytes
 * both ways with backpressure and half-close, TLS contexts from a workload's rotating certificate, and the meters
 * of both sides.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.core.internal.tcp;

import org.jspecify.annotations.NullMarked;
