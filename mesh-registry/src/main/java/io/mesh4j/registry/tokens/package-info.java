/**
 * The registry's secrets for callers without a certificate: join tokens (what an operator gives a new workload
 * for its first certificate: bound to one service, stored hashed, expiring, revocable) and the admin token.
 */
@NullMarked
package io.mesh4j.registry.tokens;

import org.jspecify.annotations.NullMarked;
