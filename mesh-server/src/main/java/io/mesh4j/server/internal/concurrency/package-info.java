/**
 * The CONCURRENCY layer: at most so many requests of a route in flight in this instance; more are shed at once.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.server.internal.concurrency;

import org.jspecify.annotations.NullMarked;
