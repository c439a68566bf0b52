/**
 * The mesh in Spring Boot's actuator: a {@code mesh} health indicator and the {@code /actuator/mesh} endpoint.
 */
@NullMarked
package io.mesh4j.spring.actuator;

import org.jspecify.annotations.NullMarked;
