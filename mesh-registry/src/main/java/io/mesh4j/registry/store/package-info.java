/**
 * Durable storage of the registry's changes behind {@link io.mesh4j.registry.store.RegistryStore}, with an
 * append-only file log and snapshot as the default.
 */
@NullMarked
package io.mesh4j.registry.store;

import org.jspecify.annotations.NullMarked;
