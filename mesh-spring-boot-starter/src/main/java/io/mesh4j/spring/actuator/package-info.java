/**
 * The mesh in Spring Boot's actuator: a {@code mesh} health indicator and the {@code /actuator/mesh} endpoint
 * ({@link io.mesh4j.spring.actuator.MeshEndpoint}), made when the actuator is on the class path.
 */
@NullMarked
package io.mesh4j.spring.actuator;

import org.jspecify.annotations.NullMarked;
