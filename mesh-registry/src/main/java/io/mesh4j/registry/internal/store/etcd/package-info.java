/**
 * The registry's replicated store on etcd: several registry replicas over one etcd cluster serve the same
 * instances, route configs, access policies, join tokens and holders of quotas.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.registry.internal.store.etcd;

import org.jspecify.annotations.NullMarked;
