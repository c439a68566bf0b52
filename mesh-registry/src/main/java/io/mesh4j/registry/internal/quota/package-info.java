/**
 * Mesh-wide quotas: the leases the registry gives serving instances, dividing each quota among its holders by
 * their recent demand, and the operator's view of them.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.registry.internal.quota;

import org.jspecify.annotations.NullMarked;
