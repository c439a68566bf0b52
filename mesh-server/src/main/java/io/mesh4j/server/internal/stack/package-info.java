/**
 * How the inbound stack runs: its built-in layers fused into one pass per request
 * ({@link io.mesh4j.core.internal.stack.Pass}), an Armeria decorator.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.server.internal.stack;

import org.jspecify.annotations.NullMarked;
