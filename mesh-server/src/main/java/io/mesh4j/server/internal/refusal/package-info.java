/**
 * How the inbound layers refuse a request in the caller's protocol: a gRPC status for a gRPC call, the mesh's HTTP
 * answer otherwise.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.server.internal.refusal;

import org.jspecify.annotations.NullMarked;
