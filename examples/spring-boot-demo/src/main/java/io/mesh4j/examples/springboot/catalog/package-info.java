/**
 * {@code catalog}: a Spring Boot service whose {@code @MeshService} bean the starter serves through the mesh.
 */
@NullMarked
package io.mesh4j.examples.springboot.catalog;

import org.jspecify.annotations.NullMarked;
