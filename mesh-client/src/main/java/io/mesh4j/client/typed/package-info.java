/**
 * Typed clients: an interface annotated with {@link io.mesh4j.core.annotation.ServiceClient}, Armeria's mapping
 * annotations and the mesh's policy annotations, made into a client whose calls go through the mesh by
 * {@code MeshClient.client(Class)}. A call answered other than 2xx is a
 * {@link io.mesh4j.client.typed.MeshCallException}.
 */
@NullMarked
package io.mesh4j.client.typed;

import org.jspecify.annotations.NullMarked;
