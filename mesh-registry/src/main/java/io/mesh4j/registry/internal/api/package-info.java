/**
 * The registry's HTTP/JSON contract served with Armeria: routes, long-poll watches and JSON error bodies.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.registry.internal.api;

import org.jspecify.annotations.NullMarked;
