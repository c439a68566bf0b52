/**
 * The CONCURRENCY layer: at most so many requests of a route in flight in this instance; more are shed at once.
 */
@NullMarked
package io.mesh4j.server.concurrency;

import org.jspecify.annotations.NullMarked;
