/**
 * How the outbound stack runs: its built-in layers fused into one pass per call and one per attempt
 * ({@link io.mesh4j.core.internal.stack.Pass}), each pass an Armeria decorator.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.client.internal.stack;

import org.jspecify.annotations.NullMarked;
