/**
 * Route decisions that travel with a served request, set by the server's layers and read by the mesh clients.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.core.internal.routing;

import org.jspecify.annotations.NullMarked;
