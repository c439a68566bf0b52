/**
 * {@code meshctl}, the operator's command line against a running registry, and what the command lines share.
 */
@NullMarked
package io.mesh4j.registry.cli;

import org.jspecify.annotations.NullMarked;
