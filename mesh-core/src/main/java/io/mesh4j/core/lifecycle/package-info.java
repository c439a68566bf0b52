/**
 * The one way mesh4j components start and stop: {@link io.mesh4j.core.lifecycle.Lifecycle}.
 */
@NullMarked
package io.mesh4j.core.lifecycle;

import org.jspecify.annotations.NullMarked;
