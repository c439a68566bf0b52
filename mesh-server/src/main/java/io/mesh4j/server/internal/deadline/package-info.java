/**
 * Refuses requests whose caller has already given up, and bounds the work on the others by the caller's deadline.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.server.internal.deadline;

import org.jspecify.annotations.NullMarked;
