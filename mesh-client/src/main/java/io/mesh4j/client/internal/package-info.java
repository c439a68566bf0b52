/**
 * What the mesh client's API classes hand to mesh4j's other modules (the Spring Boot starter's views).
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.client.internal;

import org.jspecify.annotations.NullMarked;
