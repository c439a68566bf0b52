/**
 * The mesh's metrics in the application's own Micrometer registry, so that {@code /actuator/metrics} and
 * {@code /actuator/prometheus} show them with the application's common tags.
 */
@NullMarked
package io.mesh4j.spring.metrics;

import org.jspecify.annotations.NullMarked;
