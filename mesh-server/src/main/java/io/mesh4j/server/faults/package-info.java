/**
 * The server's FAULTS layer: injected delays and aborts for the callers the mesh client's FAULTS layer did not
 * already judge.
 */
@NullMarked
package io.mesh4j.server.faults;

import org.jspecify.annotations.NullMarked;
