/**
 * The inbound side of the mesh: {@link io.mesh4j.server.MeshServer} serves a service behind the layers of
 * {@link io.mesh4j.server.ServerStacks} and keeps it registered. Start from
 * {@link io.mesh4j.server.MeshServer#builder(String, java.net.URI)}.
 */
@NullMarked
package io.mesh4j.server;

import org.jspecify.annotations.NullMarked;
