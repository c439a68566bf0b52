/**
 * Key pairs, CSRs, PEM, SPIFFE verification and trust managers: the machinery behind workload identity.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.core.internal.identity;

import org.jspecify.annotations.NullMarked;
