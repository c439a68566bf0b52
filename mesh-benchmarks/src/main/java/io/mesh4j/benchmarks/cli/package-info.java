/**
 * What the benchmarks' command lines share: how durations are written.
 */
@NullMarked
package io.mesh4j.benchmarks.cli;

import org.jspecify.annotations.NullMarked;
