/**
 * The registry's half of {@code meshctl check}: what it can see is wrong with the mesh, each problem with what to do.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise.
 */
@NullMarked
package io.mesh4j.registry.internal.check;

import org.jspecify.annotations.NullMarked;
