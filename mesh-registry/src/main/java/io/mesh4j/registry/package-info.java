/**
 * The mesh4j registry, the control plane: instances with TTLs and watches, route configs and access policies, and
 * the CA that issues workload certificates. Embed it with {@link io.mesh4j.registry.MeshRegistry#builder()}, or run
 * it as a process ({@link io.mesh4j.registry.RegistryMain}).
 */
@NullMarked
package io.mesh4j.registry;

import org.jspecify.annotations.NullMarked;
