/**
 * The outbound side of the mesh: {@link io.mesh4j.client.MeshClient} gives a client for a service name, with
 * discovery, balancing, deadlines, budgeted retries and circuit breaking laid out in
 * {@link io.mesh4j.client.ClientStacks}. Start from {@link io.mesh4j.client.MeshClient#builder(java.net.URI)}.
 */
@NullMarked
package io.mesh4j.client;

import org.jspecify.annotations.NullMarked;
