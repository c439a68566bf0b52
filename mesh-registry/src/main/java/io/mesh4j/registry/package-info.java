/**
 * The mesh4j registry, embeddable ({@link io.mesh4j.registry.MeshRegistry}) or run as a process
 * ({@link io.mesh4j.registry.RegistryMain}).
 */
@NullMarked
package io.mesh4j.registry;

import org.jspecify.annotations.NullMarked;
