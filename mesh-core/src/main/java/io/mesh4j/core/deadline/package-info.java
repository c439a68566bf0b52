/**
 * Deadlines that travel with a request from service to service, so nobody works for a caller that gave up.
 */
@NullMarked
package io.mesh4j.core.deadline;

import org.jspecify.annotations.NullMarked;
