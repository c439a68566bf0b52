/**
 * The inbound side of the mesh: {@link io.mesh4j.server.MeshServer} serves a service behind the layers of {@link io.mesh4j.server.ServerStacks} and keeps it registered.
 */
@NullMarked
package io.mesh4j.server;

import org.jspecify.annotations.NullMarked;
