/**
 * What both sides of the mesh read off a gRPC answer: its {@code grpc-status}, and the name a metric labels it with.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.core.internal.grpc;

import org.jspecify.annotations.NullMarked;
