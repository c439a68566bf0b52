/**
 * The registry's HTTP/JSON contract served with Armeria: routes, long-poll watches and JSON error bodies.
 */
@NullMarked
package io.mesh4j.registry.api;

import org.jspecify.annotations.NullMarked;
