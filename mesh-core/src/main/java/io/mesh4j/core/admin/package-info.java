/**
 * The admin endpoint of a mesh process: Prometheus metrics and the live stacks, on a port of its own. Start from
 * {@link io.mesh4j.core.admin.AdminServer}; a {@code MeshServer} with an admin port starts one itself.
 */
@NullMarked
package io.mesh4j.core.admin;

import org.jspecify.annotations.NullMarked;
