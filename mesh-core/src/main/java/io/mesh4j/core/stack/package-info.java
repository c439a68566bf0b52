/**
 * The one abstraction of mesh4j: an ordered stack of named layers that a request passes through. Start from
 * {@link io.mesh4j.core.stack.Stack}; the roles of the default stacks are in {@link io.mesh4j.core.stack.ClientRoles}
 * and {@link io.mesh4j.core.stack.ServerRoles}, and a layer of your own is a {@link io.mesh4j.core.stack.Layer}.
 */
@NullMarked
package io.mesh4j.core.stack;

import org.jspecify.annotations.NullMarked;
