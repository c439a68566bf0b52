/**
 * How a stack's built-in layers run: fused into one pass per request (per call, or per attempt on the outbound
 * side) instead of one decorator each. Each fusable layer gives an {@link io.mesh4j.core.internal.stack.Interceptor};
 * a {@link io.mesh4j.core.internal.stack.Pass} runs a run of them with one set of request headers written once,
 * one log listener and one classification of the answer. The layers stay named roles in the stack a user reads,
 * inserts into, replaces or removes from; a user's own layer is a plain decorator between passes.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.core.internal.stack;

import org.jspecify.annotations.NullMarked;
