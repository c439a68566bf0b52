/**
 * Typed clients made from annotated interfaces: one call per method, through the outbound stack.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.client.internal.typed;

import org.jspecify.annotations.NullMarked;
