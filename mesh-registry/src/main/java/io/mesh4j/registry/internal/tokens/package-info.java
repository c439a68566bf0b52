/**
 * The registry's secrets for callers without a certificate: join tokens (what an operator gives a new workload
 * for its first certificate: bound to one service, stored hashed, expiring, revocable) and the admin token.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.registry.internal.tokens;

import org.jspecify.annotations.NullMarked;
