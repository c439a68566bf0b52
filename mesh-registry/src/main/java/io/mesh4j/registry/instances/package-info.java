/**
 * The in-memory instance table: instances per service, indexes, TTL leases, watches and the single writer that
 * makes every change durable before anyone sees it.
 */
@NullMarked
package io.mesh4j.registry.instances;

import org.jspecify.annotations.NullMarked;
