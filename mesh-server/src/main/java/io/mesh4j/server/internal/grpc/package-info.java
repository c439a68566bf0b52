/**
 * gRPC services on the mesh listener: one Armeria {@code GrpcService} behind the same inbound stack as every other
 * route, with the standard health and reflection services beside the user's.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.server.internal.grpc;

import org.jspecify.annotations.NullMarked;
