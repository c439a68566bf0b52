/**
 * The access policies the operator pushes, per service: durable, versioned by index, watchable.
 */
@NullMarked
package io.mesh4j.registry.policies;

import org.jspecify.annotations.NullMarked;
