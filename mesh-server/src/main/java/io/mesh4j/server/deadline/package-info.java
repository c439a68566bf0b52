/**
 * Refuses requests whose caller has already given up, and bounds the work on the others by the caller's deadline.
 */
@NullMarked
package io.mesh4j.server.deadline;

import org.jspecify.annotations.NullMarked;
