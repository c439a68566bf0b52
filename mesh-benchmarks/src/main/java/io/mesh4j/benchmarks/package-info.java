/**
 * The benchmarks' command line: one subcommand per benchmark, each printing its results as tables.
 */
@NullMarked
package io.mesh4j.benchmarks;

import org.jspecify.annotations.NullMarked;
