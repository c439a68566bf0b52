/**
 * {@code meshctl}, the operator's command line against a running registry, and what the command lines share.
 *
 * <p>Internal to mesh4j: not API, and no compatibility promise. Use the API packages instead.
 */
@NullMarked
package io.mesh4j.registry.internal.cli;

import org.jspecify.annotations.NullMarked;
