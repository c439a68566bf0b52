/**
 * The total timeout of a call, bounded by the deadline of the request being served, and passed on.
 */
@NullMarked
package io.mesh4j.client.deadline;

import org.jspecify.annotations.NullMarked;
