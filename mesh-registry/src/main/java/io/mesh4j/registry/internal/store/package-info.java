/**
 * Durable storage of the registry's changes behind {@link io.mesh4j.registry.internal.store.RegistryStore}, with an
 * append-only file log and snapshot as the default.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.registry.internal.store;

import org.jspecify.annotations.NullMarked;
