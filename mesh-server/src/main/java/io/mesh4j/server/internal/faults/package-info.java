/**
 * The server's FAULTS layer: injected delays and aborts for the callers the mesh client's FAULTS layer did not
 * already judge.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.server.internal.faults;

import org.jspecify.annotations.NullMarked;
