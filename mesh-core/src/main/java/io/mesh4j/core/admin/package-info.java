/**
 * The admin endpoint of a mesh process: Prometheus metrics and the live stacks, on a port of its own.
 */
@NullMarked
package io.mesh4j.core.admin;

import org.jspecify.annotations.NullMarked;
