/**
 * The registry's HTTP/JSON contract, version 1: the bodies, the error codes and a client that speaks it.
 */
@NullMarked
package io.mesh4j.core.registry;

import org.jspecify.annotations.NullMarked;
