/**
 * Auto-configuration of a Spring Boot application as a mesh member: its identity, its mesh server serving the
 * {@link io.mesh4j.core.annotation.MeshService} beans, and its mesh client, all from {@code mesh.*} properties.
 */
@NullMarked
package io.mesh4j.spring.autoconfigure;

import org.jspecify.annotations.NullMarked;
