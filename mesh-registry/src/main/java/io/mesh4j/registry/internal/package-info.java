/**
 * What the registry's API classes hand to mesh4j's own tests, demo and tools.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.registry.internal;

import org.jspecify.annotations.NullMarked;
