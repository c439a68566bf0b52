/**
 * The registry's HTTP/JSON contract, version 1: the bodies, the error codes and a client that speaks it.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.core.internal.registry;

import org.jspecify.annotations.NullMarked;
