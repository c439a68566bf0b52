/**
 * Deadlines that travel with a request from service to service, so nobody works for a caller that gave up:
 * {@link io.mesh4j.core.deadline.Deadline}, which a handler reads with {@code Deadline.of(ctx)}.
 */
@NullMarked
package io.mesh4j.core.deadline;

import org.jspecify.annotations.NullMarked;
