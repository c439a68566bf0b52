/**
 * The one abstraction of mesh4j: an ordered stack of named layers that a request passes through.
 */
@NullMarked
package io.mesh4j.core.stack;

import org.jspecify.annotations.NullMarked;
