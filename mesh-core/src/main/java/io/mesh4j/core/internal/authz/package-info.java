/**
 * The authorization decision for one route, method and caller, as the server's AUTHZ layer makes it and
 * {@code meshctl explain} predicts it: pure, so that both run the same code.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.core.internal.authz;

import org.jspecify.annotations.NullMarked;
