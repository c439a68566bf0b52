/**
 * Keeps an instance registered: registers at start, heartbeats, registers again when forgotten, deregisters first at stop.
 */
@NullMarked
package io.mesh4j.server.registration;

import org.jspecify.annotations.NullMarked;
