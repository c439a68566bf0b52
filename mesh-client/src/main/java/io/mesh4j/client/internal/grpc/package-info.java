/**
 * gRPC stubs over the outbound stack: a gRPC method is a route ({@code /pkg.Service/Method}), its status what the
 * shared classifier reads, and a streaming method one unbuffered attempt.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.client.internal.grpc;

import org.jspecify.annotations.NullMarked;
