/**
 * The total timeout of a call, bounded by the deadline of the request being served, and passed on.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.client.internal.deadline;

import org.jspecify.annotations.NullMarked;
