/**
 * The in-memory instance table: instances per service, indexes, TTL leases, watches and the single writer that
 * makes every change durable before anyone sees it.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.registry.internal.instances;

import org.jspecify.annotations.NullMarked;
