/**
 * Auto-configuration of a Spring Boot application as a mesh member: its identity, its mesh server serving the
 * {@link io.mesh4j.core.annotation.MeshService} beans, and its mesh client, all from {@code mesh.*} properties
 * ({@link io.mesh4j.spring.autoconfigure.MeshProperties}). Start there; adjust what properties cannot say with a
 * {@link io.mesh4j.spring.autoconfigure.MeshClientCustomizer} or {@link io.mesh4j.spring.autoconfigure.MeshServerCustomizer}
 * bean.
 */
@NullMarked
package io.mesh4j.spring.autoconfigure;

import org.jspecify.annotations.NullMarked;
