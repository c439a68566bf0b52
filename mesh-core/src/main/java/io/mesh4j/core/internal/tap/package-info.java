/**
 * Tap: a live, sampled stream of a member's requests, taken only while an operator taps its service
 * ({@code meshctl tap}): the filters the registry says are open, the member's sampling and its bounded queue.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.core.internal.tap;

import org.jspecify.annotations.NullMarked;
