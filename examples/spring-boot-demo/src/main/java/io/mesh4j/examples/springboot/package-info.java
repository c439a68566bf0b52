/**
 * The Spring Boot demo: a registry, then {@code catalog} (two instances) and {@code shop} as Spring Boot
 * applications that the starter makes mesh members, traffic through them, and what the actuator says of it.
 */
@NullMarked
package io.mesh4j.examples.springboot;

import org.jspecify.annotations.NullMarked;
