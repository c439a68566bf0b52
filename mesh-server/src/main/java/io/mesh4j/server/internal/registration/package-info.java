/**
 * Keeps an instance registered: registers at start, heartbeats, registers again when forgotten, deregisters first at stop.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.server.internal.registration;

import org.jspecify.annotations.NullMarked;
